import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Note } from '@chat/contracts';
import { Harness, type TestUser } from './support/harness.ts';

let h: Harness;
let customer: TestUser;
let agent: TestUser;
let admin: TestUser;

before(async () => {
  h = await Harness.start('messaging_notes', { rabbit: true });
  customer = await h.user('PARTICIPANT');
  agent = await h.user('MANAGEMENT_TEAM');
  admin = await h.user('TENANT_ADMIN');
});
after(async () => {
  await h?.stop();
});

const addNote = (user: TestUser, channelId: string, body: unknown) => h.call('POST', `/api/chat/channels/${channelId}/notes`, { token: user.token, body });
const listNotes = (user: TestUser, channelId: string, query = '') => h.call('GET', `/api/chat/channels/${channelId}/notes${query}`, { token: user.token });

it('gives staff notes with their own gap-free seq, apart from the messages', async () => {
  const channel = await h.channel({ participants: [customer.userId] });
  await h.send(customer, channel.id, 'help');
  const first = await addNote(agent, channel.id, { content: 'VIP customer' });
  assert.equal(first.status, 201);
  const note = Note.parse(first.body);
  assert.equal(note.seq, 1);
  assert.equal(note.authorId, agent.userId);
  assert.equal((await addNote(admin, channel.id, { content: 'agreed' })).body.seq, 2);
  assert.equal((await h.send(agent, channel.id, 'on it')).body.seq, 2, 'messages keep their own numbering');

  const page = await listNotes(agent, channel.id, '?limit=1');
  assert.deepEqual(page.body.items.map((n: { seq: number }) => n.seq), [1]);
  assert.equal(page.body.nextCursor, '1');
  const rest = await listNotes(agent, channel.id, `?afterSeq=${page.body.nextCursor}`);
  assert.deepEqual(rest.body.items.map((n: { content: string }) => n.content), ['agreed']);
  assert.equal(rest.body.nextCursor, null);

  const [event] = await h.eventsOf('note.created', 1, (e) => e.type === 'note.created' && e.data.note.id === note.id);
  assert.equal(event?.tenantId, h.tenant);
});

it('answers 404 to a participant, even one taking part, and publishes nothing for it', async () => {
  const channel = await h.channel({ participants: [customer.userId] });
  const staffNote = await addNote(agent, channel.id, { content: 'between us' });
  await h.eventsOf('note.created', 1, (e) => e.type === 'note.created' && e.data.note.id === staffNote.body.id);
  const before = h.published.length;
  assert.equal((await listNotes(customer, channel.id)).status, 404);
  const attempt = await addNote(customer, channel.id, { content: 'can I?' });
  assert.equal(attempt.status, 404);
  assert.equal(await h.count('notes', 'channel_id = $1', [channel.id]), 1);
  // Notes never leak into the message history either.
  const history = await h.call('GET', `/api/chat/channels/${channel.id}/messages`, { token: customer.token });
  assert.deepEqual(history.body.items, []);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(h.published.slice(before).filter((e) => e.type === 'note.created').length, 0);
});

it('refuses bad input with 400 and archived channels with 409, changing nothing', async () => {
  const channel = await h.channel({ participants: [customer.userId] });
  for (const body of [{}, { content: '' }, { content: 'x'.repeat(10_001) }, { content: 'x', seq: 4 }]) {
    assert.equal((await addNote(agent, channel.id, body)).status, 400);
  }
  assert.equal((await listNotes(agent, channel.id, '?limit=500')).status, 400);
  assert.equal(await h.count('notes', 'channel_id = $1', [channel.id]), 0);
  await h.publishChannelEvent('channel.archived', {
    channel: { ...channel, status: 'ARCHIVED', revision: 2 },
  });
  assert.equal((await addNote(agent, channel.id, { content: 'late' })).status, 409);
  assert.equal((await addNote(agent, channel.id, { content: 'first after' })).status, 409);
  assert.equal((await listNotes(agent, channel.id)).status, 200);
});

it('keeps staff out of notes of TEAM channels they are not in', async () => {
  const team = await h.channel({ type: 'TEAM', participants: [admin.userId] });
  assert.equal((await addNote(admin, team.id, { content: 'ours' })).status, 201);
  assert.equal((await listNotes(agent, team.id)).status, 404);
});
