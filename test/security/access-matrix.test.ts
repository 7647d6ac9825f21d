/**
 * Who may do what, attacked on every REST route and socket event of the contract through the
 * gateway: another tenant's ids, a same-tenant non-member, platform staff on a case that was never
 * escalated (all 404: a resource they may not see is indistinguishable from none), and each role
 * where it is not allowed (403). Nothing an intruder tries changes anything, and nothing of the
 * case reaches an intruder's socket or list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '@chat/test-kit';
import { api, connectSocket, receive, settle, type Actor, type RecordingSocket } from '../system/helpers.ts';
import { makeCast, makeScene, snapshot, type Cast, type Scene } from './support/cast.ts';

interface Attempt {
  who: keyof Cast;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

const SLA_POLICY = { targets: { URGENT: { firstResponseMinutes: 1, resolutionMinutes: 60 } } };

/** Every route that names one resource of the case, with a body that would be valid for someone allowed. */
function routesOfTheCase(cast: Cast, scene: Scene): Omit<Attempt, 'who'>[] {
  const channel = `/api/chat/channels/${scene.support.id}`;
  const message = `/api/chat/messages/${scene.customerMessage.id}`;
  return [
    { method: 'GET', path: channel },
    { method: 'GET', path: `${channel}/messages?afterSeq=0` },
    { method: 'POST', path: `${channel}/messages`, body: { content: 'let me in' } },
    { method: 'POST', path: `${channel}/read`, body: { seq: 1 } },
    { method: 'GET', path: `${channel}/notes` },
    { method: 'POST', path: `${channel}/notes`, body: { content: 'planted note' } },
    { method: 'PUT', path: `${channel}/escalate`, body: { reason: 'hijack' } },
    { method: 'PUT', path: `${channel}/assign`, body: { assigneeId: cast.agent.userId } },
    { method: 'PUT', path: `${channel}/resolve`, body: {} },
    { method: 'DELETE', path: channel },
    { method: 'POST', path: `${channel}/participants`, body: { userId: cast.outsider.userId } },
    { method: 'DELETE', path: `${channel}/participants/${cast.customer.userId}` },
    { method: 'PATCH', path: message, body: { content: 'rewritten' } },
    { method: 'DELETE', path: message },
    { method: 'POST', path: `${message}/reactions`, body: { emoji: '👎' } },
    { method: 'DELETE', path: `${message}/reactions/${encodeURIComponent('👍')}` },
    { method: 'GET', path: `/api/chat/tickets/${scene.ticket.id}` },
    { method: 'PATCH', path: `/api/chat/tickets/${scene.ticket.id}`, body: { priority: 'URGENT' } },
  ];
}

function routesOfTheTeam(scene: Scene): Omit<Attempt, 'who'>[] {
  const channel = `/api/chat/channels/${scene.team.id}`;
  return [
    { method: 'GET', path: channel },
    { method: 'GET', path: `${channel}/messages?afterSeq=0` },
    { method: 'POST', path: `${channel}/messages`, body: { content: 'let me in' } },
    { method: 'POST', path: `${channel}/read`, body: { seq: 1 } },
    { method: 'POST', path: `${channel}/participants`, body: { userId: 'me' } },
    { method: 'PUT', path: `${channel}/resolve`, body: {} },
  ];
}

describe('access: every route and socket event refuses whoever may not', () => {
  let cluster: Cluster;
  let url: string;
  let cast: Cast;
  let scene: Scene;
  let before_: unknown;
  const intruderSockets: RecordingSocket[] = [];
  let customerSocket: RecordingSocket;

  before(async () => {
    cluster = await startCluster({ gateways: 2 });
    url = cluster.url;
    cast = await makeCast('acl');
    scene = await makeScene(url, cast);
    for (const who of [cast.outsider, cast.foreignAdmin, cast.foreignAgent, cast.foreignCustomer, cast.superAdmin]) {
      intruderSockets.push(await connectSocket(url, who));
    }
    customerSocket = await connectSocket(url, cast.customer);
    assert.deepEqual(await customerSocket.emitAck('join_channel', { channelId: scene.support.id }), { ok: true });
    before_ = await snapshot(url, cast, scene);
  });

  after(async () => {
    for (const socket of [...intruderSockets, customerSocket]) socket?.close();
    await cluster?.stop();
  });

  async function expectRefusal(attempt: Attempt, status: 403 | 404): Promise<void> {
    const answer = await api<{ error?: { code: string; message: string } }>(url, cast[attempt.who] as Actor, attempt.method, attempt.path, attempt.body);
    const what = `${attempt.who} ${attempt.method} ${attempt.path}`;
    assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
    assert.equal(typeof answer.body.error?.code, 'string', `${what}: error shape`);
    assert.equal(typeof answer.body.error?.message, 'string', `${what}: error shape`);
  }

  it("answers 404 to another tenant's people on every route of the case, whatever their role", async () => {
    for (const who of ['foreignAdmin', 'foreignAgent', 'foreignCustomer'] as const) {
      for (const route of [...routesOfTheCase(cast, scene), ...routesOfTheTeam(scene)]) await expectRefusal({ who, ...route }, 404);
      await expectRefusal({ who, method: 'PATCH', path: `/api/chat/canned-responses/${scene.cannedResponseId}`, body: { title: 'mine now' } }, 404);
      await expectRefusal({ who, method: 'DELETE', path: `/api/chat/canned-responses/${scene.cannedResponseId}` }, 404);
    }
    await expectRefusal({ who: 'foreignAdmin', method: 'GET', path: `/api/chat/users?channelId=${scene.support.id}` }, 404);
  });

  it('never routes the internal routes, nor a dev-token route outside dev mode, to anyone', async () => {
    for (const who of ['admin', 'superAdmin', 'foreignAdmin'] as const) {
      await expectRefusal({ who, method: 'GET', path: `/internal/channels/${scene.support.id}` }, 404);
      await expectRefusal({ who, method: 'GET', path: `/api/chat/internal/channels/${scene.support.id}` }, 404);
      await expectRefusal({ who, method: 'POST', path: '/internal/channel-summaries', body: { channelIds: [scene.support.id] } }, 404);
      await expectRefusal({ who, method: 'POST', path: '/api/chat/dev/token', body: { userId: 'me', tenantId: cast.tenant, role: 'SUPER_ADMIN' } }, 404);
    }
  });

  it('answers 404 to a same-tenant participant who is not in the case, and to platform staff before an escalation', async () => {
    for (const who of ['outsider', 'superAdmin'] as const) {
      for (const route of routesOfTheCase(cast, scene)) await expectRefusal({ who, ...route }, 404);
    }
  });

  it('answers 404 on a team channel to everyone not in it, tenant staff included', async () => {
    for (const who of ['customer', 'outsider', 'agent', 'superAdmin'] as const) {
      for (const route of routesOfTheTeam(scene)) await expectRefusal({ who, ...route }, 404);
    }
  });

  it('answers 403 to each role where it is not allowed, on what it may see', async () => {
    const channel = `/api/chat/channels/${scene.support.id}`;
    const forbidden: Attempt[] = [
      // A participant takes part in its case but does not manage it.
      { who: 'customer', method: 'PUT', path: `${channel}/escalate`, body: { reason: 'now' } },
      { who: 'customer', method: 'PUT', path: `${channel}/assign`, body: { assigneeId: cast.agent.userId } },
      { who: 'customer', method: 'PUT', path: `${channel}/resolve`, body: {} },
      { who: 'customer', method: 'DELETE', path: channel },
      { who: 'customer', method: 'POST', path: `${channel}/participants`, body: { userId: cast.outsider.userId } },
      { who: 'customer', method: 'DELETE', path: `${channel}/participants/${cast.agent.userId}` },
      { who: 'customer', method: 'PATCH', path: `/api/chat/tickets/${scene.ticket.id}`, body: { priority: 'URGENT' } },
      { who: 'customer', method: 'PATCH', path: `/api/chat/messages/${scene.agentMessage.id}`, body: { content: 'the agent said yes' } },
      { who: 'customer', method: 'DELETE', path: `/api/chat/messages/${scene.agentMessage.id}` },
      { who: 'customer', method: 'GET', path: '/api/chat/users' },
      { who: 'customer', method: 'GET', path: '/api/chat/sla-policy' },
      { who: 'customer', method: 'PUT', path: '/api/chat/sla-policy', body: SLA_POLICY },
      { who: 'customer', method: 'GET', path: '/api/chat/canned-responses' },
      { who: 'customer', method: 'POST', path: '/api/chat/canned-responses', body: { title: 't', text: 't', shortcut: 'mine' } },
      // Channel types a role may not open.
      { who: 'customer', method: 'POST', path: '/api/chat/channels', body: { type: 'TEAM', name: 'staff room' } },
      { who: 'customer', method: 'POST', path: '/api/chat/channels', body: { type: 'TOURNAMENT', name: 'my cup' } },
      { who: 'customer', method: 'POST', path: '/api/chat/channels', body: { type: 'PLATFORM_SUPPORT', subject: 's', category: 'OTHER' } },
      { who: 'agent', method: 'POST', path: '/api/chat/channels', body: { type: 'PLATFORM_SUPPORT', subject: 's', category: 'OTHER' } },
      { who: 'superAdmin', method: 'POST', path: '/api/chat/channels', body: { type: 'SUPPORT', subject: 's', category: 'OTHER' } },
      // Staff below admin do not archive or set the tenant's SLA; nobody edits another's words.
      { who: 'agent', method: 'DELETE', path: channel },
      { who: 'agent', method: 'PUT', path: '/api/chat/sla-policy', body: SLA_POLICY },
      { who: 'agent', method: 'PATCH', path: `/api/chat/messages/${scene.customerMessage.id}`, body: { content: 'put words in mouths' } },
      { who: 'admin', method: 'PATCH', path: `/api/chat/messages/${scene.customerMessage.id}`, body: { content: 'put words in mouths' } },
    ];
    for (const attempt of forbidden) await expectRefusal(attempt, 403);
    // Notes are staff-only, and to a participant they do not exist at all.
    await expectRefusal({ who: 'customer', method: 'GET', path: `${channel}/notes` }, 404);
    await expectRefusal({ who: 'customer', method: 'POST', path: `${channel}/notes`, body: { content: 'x' } }, 404);
    await expectRefusal({ who: 'customer', method: 'PATCH', path: `/api/chat/canned-responses/${scene.cannedResponseId}`, body: { title: 'x' } }, 404);
    await expectRefusal({ who: 'customer', method: 'DELETE', path: `/api/chat/canned-responses/${scene.cannedResponseId}` }, 404);
  });

  it('refuses every socket event on the case to whoever may not see it', async () => {
    const [outsider, foreignAdmin, foreignAgent, foreignCustomer, superAdmin] = intruderSockets as [RecordingSocket, RecordingSocket, RecordingSocket, RecordingSocket, RecordingSocket];
    const channelId = scene.support.id;
    for (const socket of [outsider, foreignAdmin, foreignAgent, foreignCustomer, superAdmin]) {
      for (const [event, payload] of [
        ['join_channel', { channelId }],
        ['send_message', { channelId, content: 'let me in', clientMessageId: crypto.randomUUID() }],
        ['mark_read', { channelId, seq: 1 }],
        ['typing', { channelId, isTyping: true }],
        ['join_channel', { channelId: scene.team.id }],
      ] as const) {
        const answer = await socket.emitAck(event, payload);
        assert.equal(answer.ok, false, `${event} by ${socket.socket.id}`);
        assert.equal(answer.error?.code, 'NOT_FOUND', `${event}: ${JSON.stringify(answer)}`);
      }
    }
    // Staff outside a team channel cannot join its room either.
    const agentSocket = await connectSocket(url, cast.agent);
    try {
      const answer = await agentSocket.emitAck('join_channel', { channelId: scene.team.id });
      assert.equal(answer.error?.code, 'NOT_FOUND');
    } finally {
      agentSocket.close();
    }
  });

  it('changed nothing: the case, its ticket, notes, messages, the team channel and the tenant settings are as they were', async () => {
    assert.deepEqual(await snapshot(url, cast, scene), before_);
  });

  it("lists, searches and presence show nothing of the case to another tenant or a non-member", async () => {
    const ids = [scene.support.id, scene.team.id, scene.ticket.id, scene.customerMessage.id];
    const leaks = (body: unknown) => ids.filter((id) => JSON.stringify(body).includes(id));
    for (const who of [cast.foreignAdmin, cast.foreignAgent, cast.foreignCustomer, cast.outsider, cast.superAdmin]) {
      for (const path of ['/api/chat/channels', '/api/chat/tickets', `/api/chat/search?q=${scene.secretWord}`, `/api/chat/tickets?channelId=${scene.support.id}`]) {
        const answer = await api(url, who, 'GET', path);
        assert.equal(answer.status, 200, `${who.userId} ${path}`);
        assert.deepEqual(leaks(answer.body), [], `${who.userId} ${path} leaks`);
      }
    }
    const agentList = await api(url, cast.agent, 'GET', '/api/chat/channels');
    assert.ok(!JSON.stringify(agentList.body).includes(scene.team.id), 'staff not in a team channel do not list it');
    // Another tenant's staff do not see this tenant's people, nor whether they are online.
    const users = await api(url, cast.foreignAdmin, 'GET', '/api/chat/users');
    assert.ok(!JSON.stringify(users.body).includes(cast.customer.userId));
    const presence = await api<{ items: { userId: string; online: boolean }[] }>(url, cast.foreignAdmin, 'GET', `/api/chat/presence?userIds=${cast.customer.userId}`);
    assert.deepEqual(presence.body.items, [{ userId: cast.customer.userId, online: false }]);
    const ownPresence = await api<{ items: { userId: string; online: boolean }[] }>(url, cast.agent, 'GET', `/api/chat/presence?userIds=${cast.customer.userId}`);
    assert.deepEqual(ownPresence.body.items, [{ userId: cast.customer.userId, online: true }], 'the same question in the right tenant says online');
  });

  it("never delivers the case's events to an intruder's socket", async () => {
    const sent = await api<{ id: string }>(url, cast.customer, 'POST', `/api/chat/channels/${scene.support.id}/messages`, { content: 'still there?' });
    assert.equal(sent.status, 201);
    await receive(customerSocket, 'new_message', (payload: { message: { id: string } }) => payload.message.id === sent.body.id);
    assert.equal((await api(url, cast.agent, 'POST', `/api/chat/channels/${scene.support.id}/notes`, { content: 'second note' })).status, 201);
    await settle(500);
    for (const socket of intruderSockets) {
      for (const [event, payloads] of socket.received) {
        for (const payload of payloads) assert.ok(!JSON.stringify(payload).includes(scene.support.id), `${event} leaked to an intruder`);
      }
    }
    assert.equal(customerSocket.of('note_created').length, 0, 'a participant never gets a note');
  });
});
