/**
 * Bad input answers 400 (413 for an oversize body) with the error shape, naming the fields, and
 * changes nothing: no channel, no participant, no event in the outbox. Checks run in the
 * contract's order, so a caller who may not see or may not act learns nothing from its body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createBody, startChannels, tenantCast, userOf, type Answer, type ChannelsUnderTest } from './harness.ts';

const base64url = (text: string) => Buffer.from(text).toString('base64url');

describe('bad input', () => {
  let system: ChannelsUnderTest;
  let owner: pg.Client;
  const cast = tenantCast();
  const stranger = userOf(cast.tenantId, 'PARTICIPANT', 'stranger');
  let channelId: string;
  let path: string;

  before(async () => {
    system = await startChannels({ prefix: 'channels_input' });
    owner = new pg.Client({ connectionString: system.database.url });
    await owner.connect();
    for (const user of [cast.manager, cast.customer, stranger]) assert.equal((await system.as(user).get('/api/chat/channels')).status, 200);
    const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    channelId = created.body.id;
    path = `/api/chat/channels/${channelId}`;
  });
  after(async () => {
    await owner?.end();
    await system?.stop();
  });

  /** Everything a change could touch, as the owner sees it (outside row-level security). */
  async function state() {
    const { rows } = await owner.query(`
      SELECT (SELECT count(*) FROM channels) AS channels,
             (SELECT count(*) FROM participants) AS participants,
             (SELECT count(*) FROM outbox) AS events,
             (SELECT json_agg(c ORDER BY id) FROM channels c) AS rows`);
    return rows[0];
  }

  function assertRefused(answer: Answer, status: number, field?: string) {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(typeof answer.body?.error?.code, 'string');
    assert.equal(typeof answer.body?.error?.message, 'string');
    if (field !== undefined) {
      const fields = (answer.body.error.details as { field: string }[]).map((detail) => detail.field);
      assert.ok(fields.some((name) => name === field || name.startsWith(`${field}.`)), `details name ${field}: ${JSON.stringify(fields)}`);
    }
  }

  const oversize = JSON.stringify({ ...createBody('TOURNAMENT'), metadata: { blob: 'x'.repeat(70_000) } });

  const cases: { what: string; send: () => Promise<Answer>; status: number; field?: string; code?: string }[] = [
    // create
    { what: 'create: malformed JSON', send: () => system.as(cast.admin).raw('POST', '/api/chat/channels', '{"type": "TEAM",'), status: 400, code: 'MALFORMED_JSON' },
    { what: 'create: oversize body', send: () => system.as(cast.admin).raw('POST', '/api/chat/channels', oversize), status: 413 },
    { what: 'create: no type', send: () => system.as(cast.admin).post('/api/chat/channels', { name: 'x' }), status: 400, field: 'type' },
    { what: 'create: unknown type', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'DIRECT' }), status: 400, field: 'type' },
    { what: 'create: a body that is an array', send: () => system.as(cast.admin).post('/api/chat/channels', [createBody('TEAM')]), status: 400 },
    { what: 'create: name of the wrong type', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', name: 42 }), status: 400, field: 'name' },
    { what: 'create: participantIds not a list', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', participantIds: 'bob' }), status: 400, field: 'participantIds' },
    { what: 'create: a participant id not a string', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', participantIds: [7] }), status: 400, field: 'participantIds' },
    { what: 'create: a participant id too long', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', participantIds: ['x'.repeat(129)] }), status: 400, field: 'participantIds' },
    { what: 'create: metadata not an object', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', metadata: 'x' }), status: 400, field: 'metadata' },
    { what: 'create: a smuggled tenant id', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', tenantId: 'other' }), status: 400, field: 'tenantId' },
    { what: 'create: SUPPORT without subject', send: () => system.as(cast.customer).post('/api/chat/channels', { type: 'SUPPORT', category: 'BILLING' }), status: 400, field: 'subject' },
    { what: 'create: SUPPORT without category', send: () => system.as(cast.customer).post('/api/chat/channels', { type: 'SUPPORT', subject: 'Help' }), status: 400, field: 'category' },
    { what: 'create: unknown category', send: () => system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT', { category: 'MISC' })), status: 400, field: 'category' },
    { what: 'create: unknown priority', send: () => system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT', { priority: 'CRITICAL' })), status: 400, field: 'priority' },
    { what: 'create: blank subject', send: () => system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT', { subject: '   ' })), status: 400, field: 'subject' },
    { what: 'create: ticket fields on a TEAM channel', send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', subject: 'x' }), status: 400, field: 'subject' },
    {
      what: 'create: a known participant in a TEAM channel',
      send: () => system.as(cast.admin).post('/api/chat/channels', { type: 'TEAM', participantIds: [stranger.userId] }),
      status: 400,
      field: 'participantIds',
      code: 'USER_NOT_ADMISSIBLE',
    },
    // participants
    { what: 'add: no userId', send: () => system.as(cast.manager).post(`${path}/participants`, {}), status: 400, field: 'userId' },
    { what: 'add: userId not a string', send: () => system.as(cast.manager).post(`${path}/participants`, { userId: 5 }), status: 400, field: 'userId' },
    { what: 'add: empty userId', send: () => system.as(cast.manager).post(`${path}/participants`, { userId: '' }), status: 400, field: 'userId' },
    { what: 'add: an unknown field', send: () => system.as(cast.manager).post(`${path}/participants`, { userId: 'a', role: 'X' }), status: 400, field: 'role' },
    { what: 'add: malformed JSON', send: () => system.as(cast.manager).raw('POST', `${path}/participants`, '{userId:'), status: 400, code: 'MALFORMED_JSON' },
    // assign
    { what: 'assign: no assignee', send: () => system.as(cast.manager).put(`${path}/assign`, {}), status: 400, field: 'assigneeId' },
    { what: 'assign: assignee never seen', send: () => system.as(cast.manager).put(`${path}/assign`, { assigneeId: 'nobody-seen' }), status: 400, field: 'assigneeId', code: 'UNKNOWN_USER' },
    { what: 'assign: assignee not staff', send: () => system.as(cast.manager).put(`${path}/assign`, { assigneeId: stranger.userId }), status: 400, field: 'assigneeId', code: 'ASSIGNEE_NOT_STAFF' },
    // escalate
    { what: 'escalate: no reason', send: () => system.as(cast.manager).put(`${path}/escalate`, {}), status: 400, field: 'reason' },
    { what: 'escalate: reason not a string', send: () => system.as(cast.manager).put(`${path}/escalate`, { reason: 5 }), status: 400, field: 'reason' },
    { what: 'escalate: blank reason', send: () => system.as(cast.manager).put(`${path}/escalate`, { reason: ' ' }), status: 400, field: 'reason' },
    { what: 'escalate: to someone never seen', send: () => system.as(cast.manager).put(`${path}/escalate`, { reason: 'x', escalateTo: 'ghost' }), status: 400, field: 'escalateTo', code: 'UNKNOWN_USER' },
    { what: 'escalate: to tenant staff', send: () => system.as(cast.manager).put(`${path}/escalate`, { reason: 'x', escalateTo: cast.manager.userId }), status: 400, field: 'escalateTo', code: 'NOT_PLATFORM_STAFF' },
    { what: 'escalate: malformed JSON', send: () => system.as(cast.manager).raw('PUT', `${path}/escalate`, '{"reason"'), status: 400, code: 'MALFORMED_JSON' },
    { what: 'escalate: oversize body', send: () => system.as(cast.manager).raw('PUT', `${path}/escalate`, JSON.stringify({ reason: 'x'.repeat(70_000) })), status: 413 },
    // resolve
    { what: 'resolve: resolution not a string', send: () => system.as(cast.manager).put(`${path}/resolve`, { resolution: 5 }), status: 400, field: 'resolution' },
    { what: 'resolve: an unknown field', send: () => system.as(cast.manager).put(`${path}/resolve`, { resolution: 'x', status: 'CLOSED' }), status: 400, field: 'status' },
    // list
    { what: 'list: unknown type', send: () => system.as(cast.manager).get('/api/chat/channels?type=DIRECT'), status: 400, field: 'type' },
    { what: 'list: unknown status', send: () => system.as(cast.manager).get('/api/chat/channels?status=OPEN'), status: 400, field: 'status' },
    { what: 'list: limit 0', send: () => system.as(cast.manager).get('/api/chat/channels?limit=0'), status: 400, field: 'limit' },
    { what: 'list: limit 201', send: () => system.as(cast.manager).get('/api/chat/channels?limit=201'), status: 400, field: 'limit' },
    { what: 'list: limit not a number', send: () => system.as(cast.manager).get('/api/chat/channels?limit=ten'), status: 400, field: 'limit' },
    { what: 'list: cursor not base64url', send: () => system.as(cast.manager).get('/api/chat/channels?cursor=%21%21%21'), status: 400, field: 'cursor', code: 'INVALID_CURSOR' },
    { what: 'list: cursor not JSON', send: () => system.as(cast.manager).get(`/api/chat/channels?cursor=${base64url('nope')}`), status: 400, field: 'cursor', code: 'INVALID_CURSOR' },
    { what: 'list: cursor of the wrong shape', send: () => system.as(cast.manager).get(`/api/chat/channels?cursor=${base64url('{"t":1}')}`), status: 400, field: 'cursor', code: 'INVALID_CURSOR' },
    {
      what: 'list: cursor with a date that does not exist',
      send: () => system.as(cast.manager).get(`/api/chat/channels?cursor=${base64url(JSON.stringify({ t: '2026-02-30T10:00:00.000000Z', i: crypto.randomUUID() }))}`),
      status: 400,
      field: 'cursor',
      code: 'INVALID_CURSOR',
    },
    {
      what: 'list: cursor with an id that is not a UUID',
      send: () => system.as(cast.manager).get(`/api/chat/channels?cursor=${base64url(JSON.stringify({ t: '2026-02-03T10:00:00.000000Z', i: "1' OR 1=1" }))}`),
      status: 400,
      field: 'cursor',
      code: 'INVALID_CURSOR',
    },
    { what: 'list: cursor too long', send: () => system.as(cast.manager).get(`/api/chat/channels?cursor=${'A'.repeat(600)}`), status: 400, field: 'cursor' },
    { what: 'list: a repeated type', send: () => system.as(cast.manager).get('/api/chat/channels?type=TEAM&type=SUPPORT'), status: 400, field: 'type' },
    // users
    { what: 'users: unknown role', send: () => system.as(cast.manager).get('/api/chat/users?role=KING'), status: 400, field: 'role' },
    { what: 'users: limit 0', send: () => system.as(cast.manager).get('/api/chat/users?limit=0'), status: 400, field: 'limit' },
    { what: 'users: channelId not a UUID', send: () => system.as(cast.manager).get('/api/chat/users?channelId=abc'), status: 400, field: 'channelId' },
  ];

  for (const { what, send, status, field, code } of cases) {
    it(`${what}: ${status}, nothing changed`, async () => {
      const before = await state();
      const answer = await send();
      assertRefused(answer, status, field);
      if (code) assert.equal(answer.body.error.code, code);
      assert.deepEqual(await state(), before);
    });
  }

  describe('the order of the checks: 401, 404, 403, 400, 409', () => {
    it('401 without a token, even with a bad body', async () => {
      assertRefused(await system.as(null).put(`${path}/escalate`, {}), 401);
      assertRefused(await system.as(null).get('/api/chat/channels?cursor=%21'), 401);
    });

    it('404 for a caller who may not see the channel, whatever its body', async () => {
      const before = await state();
      assertRefused(await system.as(stranger).put(`${path}/escalate`, { reason: 5 }), 404);
      assertRefused(await system.as(userOf('elsewhere', 'TENANT_ADMIN')).put(`${path}/assign`, {}), 404);
      assertRefused(await system.as(cast.manager).put('/api/chat/channels/not-a-uuid/assign', {}), 404);
      assert.deepEqual(await state(), before);
    });

    it('403 for a role that may not act, whatever its body', async () => {
      const before = await state();
      assertRefused(await system.as(cast.customer).put(`${path}/escalate`, { reason: 5 }), 403);
      assertRefused(await system.as(cast.customer).post(`${path}/participants`, {}), 403);
      assertRefused(await system.as(cast.customer).post('/api/chat/channels', { type: 'TEAM', name: 42 }), 403);
      assertRefused(await system.as(cast.customer).get('/api/chat/users?role=KING'), 403);
      assert.deepEqual(await state(), before);
    });

    it('400 before 409: a bad body on an archived channel is a 400, a good one a 409', async () => {
      const created = await system.as(cast.admin).post('/api/chat/channels', createBody('TOURNAMENT'));
      const archived = `/api/chat/channels/${created.body.id}`;
      assert.equal((await system.as(cast.admin).delete(archived)).status, 200);
      const before = await state();
      assertRefused(await system.as(cast.admin).put(`${archived}/resolve`, { resolution: 1 }), 400, 'resolution');
      assertRefused(await system.as(cast.admin).put(`${archived}/resolve`, {}), 409);
      assert.deepEqual(await state(), before);
    });
  });
});
