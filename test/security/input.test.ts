/**
 * Hostile input through the gateway: malformed and oversize bodies (refused in the contract's
 * order: 401, 404, 403, 400), a tenant id smuggled in bodies, queries, headers and handshake
 * fields (never trusted), markup in messages (kept as inert text), and property-based fuzzing of
 * every request body and socket payload: never a 500, and a refusal never changes anything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import { CLIENT_EVENT_NAMES, type Channel, type Message } from '@chat/contracts';
import { startCluster, type Cluster } from '@chat/test-kit';
import { api, connectSocket, type Actor } from '../system/helpers.ts';
import { makeCast, makeScene, snapshot, type Cast, type Scene } from './support/cast.ts';
import { assertErrorShape, raw } from './support/http.ts';

/** Over the 64 kB every service and the gateway accept. */
const OVERSIZE = JSON.stringify({ content: 'x'.repeat(70_000) });
const MALFORMED = '{"content": "unterminated';

/** Every route that reads a body, as `[method, path, who may use it]`. */
function bodyRoutes(cast: Cast, scene: Scene): [string, string, Actor][] {
  const channel = `/api/chat/channels/${scene.support.id}`;
  const message = `/api/chat/messages/${scene.customerMessage.id}`;
  return [
    ['POST', '/api/chat/channels', cast.admin],
    ['POST', `${channel}/messages`, cast.admin],
    ['POST', `${channel}/read`, cast.admin],
    ['POST', `${channel}/notes`, cast.admin],
    ['PUT', `${channel}/escalate`, cast.admin],
    ['PUT', `${channel}/assign`, cast.admin],
    ['PUT', `${channel}/resolve`, cast.admin],
    ['POST', `${channel}/participants`, cast.admin],
    ['PATCH', message, cast.customer],
    ['POST', `${message}/reactions`, cast.admin],
    ['PATCH', `/api/chat/tickets/${scene.ticket.id}`, cast.admin],
    ['PUT', '/api/chat/sla-policy', cast.admin],
    ['POST', '/api/chat/canned-responses', cast.admin],
    ['PATCH', `/api/chat/canned-responses/${scene.cannedResponseId}`, cast.admin],
  ];
}

/** The routes that name a resource of the case: what another tenant must not learn exists. */
const namesTheCase = ([method, path]: [string, string, Actor]) => !(method === 'POST' && /\/(channels|canned-responses)$/.test(path)) && !path.endsWith('/sla-policy');

describe('hostile input', () => {
  let cluster: Cluster;
  let url: string;
  let cast: Cast;
  let scene: Scene;

  before(async () => {
    cluster = await startCluster({ gateways: 1 });
    url = cluster.url;
    cast = await makeCast('input');
    scene = await makeScene(url, cast);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('answers 401 to a malformed or oversize body without a valid token, on every route that reads one', async () => {
    for (const [method, path] of bodyRoutes(cast, scene)) {
      for (const [name, body] of [['malformed', MALFORMED], ['oversize', OVERSIZE]] as const) {
        for (const token of [undefined, 'not.a.token']) {
          const answer = await raw(url, method, path, { token, body });
          const what = `${name} ${method} ${path} with ${token ?? 'no token'}`;
          assert.equal(answer.status, 401, `${what}: ${answer.text.slice(0, 200)}`);
          assert.equal(assertErrorShape(answer, what), 'UNAUTHENTICATED');
        }
      }
    }
  });

  it("answers 404 to a malformed body aimed at another tenant's case, then 400, 413 and 415 to those who may see it; nothing changes", async () => {
    const before_ = await snapshot(url, cast, scene);
    for (const [method, path] of bodyRoutes(cast, scene).filter(namesTheCase)) {
      const answer = await raw(url, method, path, { token: cast.foreignAdmin.token, body: MALFORMED });
      assert.equal(answer.status, 404, `${method} ${path}: ${answer.text}`);
      assertErrorShape(answer, `${method} ${path}`);
    }
    for (const [method, path, who] of bodyRoutes(cast, scene)) {
      const what = `${method} ${path}`;
      const malformed = await raw(url, method, path, { token: who.token, body: MALFORMED });
      assert.equal(malformed.status, 400, `${what}: ${malformed.text}`);
      assert.equal(assertErrorShape(malformed, what), 'MALFORMED_JSON');
      const oversize = await raw(url, method, path, { token: who.token, body: OVERSIZE });
      assert.equal(oversize.status, 413, `${what}: ${oversize.text}`);
      assert.equal(assertErrorShape(oversize, what), 'PAYLOAD_TOO_LARGE');
      const notJson = await raw(url, method, path, { token: who.token, body: 'content=hello', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(notJson.status, 415, `${what}: ${notJson.text}`);
    }
    assert.deepEqual(await snapshot(url, cast, scene), before_);
  });

  it('never takes the tenant from a body, a query, a header or the handshake', async () => {
    const foreignCase = await api<Channel>(url, cast.foreignCustomer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'Elsewhere', category: 'OTHER' });
    assert.equal(foreignCase.status, 201);

    // In a body: an unknown field, refused before anything happens.
    for (const [path, body] of [
      ['/api/chat/channels', { type: 'SUPPORT', subject: 's', category: 'OTHER', tenantId: cast.otherTenant }],
      [`/api/chat/channels/${scene.support.id}/messages`, { content: 'hi', tenantId: cast.otherTenant, senderId: cast.admin.userId }],
    ] as const) {
      const answer = await api<{ error: { code: string; details: { field: string }[] } }>(url, cast.customer, 'POST', path, body);
      assert.equal(answer.status, 400, path);
      assert.ok(answer.body.error.details.some((detail) => detail.field === 'tenantId'), `${path}: names the smuggled field`);
    }
    // In a query or a header: ignored, the caller's own tenant answers.
    for (const path of ['/api/chat/channels', '/api/chat/tickets', '/api/chat/users', '/api/chat/presence']) {
      const answer = await raw(url, 'GET', `${path}?tenantId=${cast.otherTenant}&tid=${cast.otherTenant}`, { token: cast.admin.token, headers: { 'x-tenant-id': cast.otherTenant } });
      assert.equal(answer.status, 200, path);
      assert.ok(!answer.text.includes(foreignCase.body.id) && !answer.text.includes(cast.foreignCustomer.userId), `${path} answered for the smuggled tenant`);
    }
    const viaHeader = await raw(url, 'GET', `/api/chat/channels/${foreignCase.body.id}`, { token: cast.admin.token, headers: { 'x-tenant-id': cast.otherTenant } });
    assert.equal(viaHeader.status, 404);

    // In the handshake: the token alone says who connects.
    const socket = io(`${url}/chat`, {
      auth: { token: cast.agent.token, tenantId: cast.otherTenant, userId: cast.foreignAdmin.userId, role: 'SUPER_ADMIN' },
      query: { tenantId: cast.otherTenant, userId: cast.foreignAdmin.userId },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const foreign = (await socket.timeout(5_000).emitWithAck('join_channel', { channelId: foreignCase.body.id })) as { ok: boolean; error?: { code: string } };
      assert.equal(foreign.error?.code, 'NOT_FOUND');
      const own = (await socket.timeout(5_000).emitWithAck('send_message', { channelId: scene.support.id, content: 'from the agent' })) as { ok: boolean; message: Message };
      assert.equal(own.ok, true);
      assert.equal(own.message.senderId, cast.agent.userId);
      assert.equal(own.message.tenantId, cast.tenant);
      assert.equal(own.message.senderType, 'MANAGEMENT_TEAM');
    } finally {
      socket.close();
    }
  });

  it('keeps markup in a message as inert text: stored as sent, served as JSON that no browser sniffs as a page', async () => {
    const markup = '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>';
    const sent = await api<Message>(url, cast.customer, 'POST', `/api/chat/channels/${scene.support.id}/messages`, { content: markup });
    assert.equal(sent.status, 201);
    assert.equal(sent.body.content, markup, 'the text is what was sent, neither altered nor executed here: the console renders it as text');
    const history = await raw(url, 'GET', `/api/chat/channels/${scene.support.id}/messages?afterSeq=${sent.body.seq - 1}`, { token: cast.agent.token });
    assert.match(history.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(history.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(((history.json as { items: Message[] }).items[0])?.content, markup);
  });

  it('refuses text PostgreSQL cannot keep as sent (NUL, a lone surrogate) with 400 wherever a caller writes text, and 404 in a path; nothing changes', async () => {
    const channel = `/api/chat/channels/${scene.support.id}`;
    const message = `/api/chat/messages/${scene.customerMessage.id}`;
    const canned = `/api/chat/canned-responses/${scene.cannedResponseId}`;
    const nul = 'before\u0000after';
    const lone = 'before\ud800after';
    const refusals: [Actor, string, string, unknown][] = [];
    for (const bad of [nul, lone]) {
      refusals.push(
        [cast.customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: bad, category: 'OTHER' }],
        [cast.admin, 'POST', '/api/chat/channels', { type: 'TEAM', name: bad }],
        [cast.admin, 'POST', '/api/chat/channels', { type: 'TEAM', name: 'ok', participantIds: [bad] }],
        [cast.customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'ok', category: 'OTHER', metadata: { [bad]: 1 } }],
        [cast.customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'ok', category: 'OTHER', metadata: { deep: [{ deeper: bad }] } }],
        [cast.customer, 'POST', `${channel}/messages`, { content: bad }],
        [cast.customer, 'POST', `${channel}/messages`, { content: 'ok', clientMessageId: bad }],
        [cast.customer, 'POST', `${channel}/messages`, { content: 'ok', metadata: { note: bad } }],
        [cast.agent, 'POST', `${channel}/notes`, { content: bad }],
        [cast.admin, 'PUT', `${channel}/escalate`, { reason: bad }],
        [cast.admin, 'PUT', `${channel}/escalate`, { reason: 'ok', escalateTo: bad }],
        [cast.admin, 'PUT', `${channel}/assign`, { assigneeId: bad }],
        [cast.admin, 'PUT', `${channel}/resolve`, { resolution: bad }],
        [cast.admin, 'POST', `${channel}/participants`, { userId: bad }],
        [cast.customer, 'PATCH', message, { content: bad }],
        [cast.admin, 'POST', `${message}/reactions`, { emoji: bad.slice(6, 7) + '👍' }],
        [cast.admin, 'POST', '/api/chat/canned-responses', { title: bad, text: 'ok', shortcut: 'stored-text' }],
        [cast.admin, 'PATCH', canned, { text: bad }],
      );
    }
    const channels = async () => (await api<{ items: Channel[] }>(url, cast.admin, 'GET', '/api/chat/channels?limit=200')).body.items.map((item) => item.id).sort();
    const before_ = await snapshot(url, cast, scene);
    const channelsBefore = await channels();
    for (const [who, method, path, body] of refusals) {
      const what = `${method} ${path} ${JSON.stringify(body)}`;
      const answer = await raw(url, method, path, { token: who.token, body: JSON.stringify(body) });
      assert.equal(answer.status, 400, `${what}: ${answer.text.slice(0, 300)}`);
      assert.equal(assertErrorShape(answer, what), 'VALIDATION_FAILED');
    }
    // A URL carries no lone surrogate (UTF-8 cannot encode one), but it can carry a NUL.
    for (const path of ['/api/chat/search?q=a%00b', '/api/chat/tickets?assignedTo=%00', '/api/chat/presence?userIds=a,%00']) {
      const answer = await raw(url, 'GET', path, { token: cast.admin.token });
      assert.equal(answer.status, 400, `${path}: ${answer.text.slice(0, 300)}`);
      assert.equal(assertErrorShape(answer, path), 'VALIDATION_FAILED');
    }
    const removal = await raw(url, 'DELETE', `${channel}/participants/a%00b`, { token: cast.admin.token });
    assert.equal(removal.status, 404, `a participant named with a NUL: ${removal.text.slice(0, 300)}`);
    const socket = await connectSocket(url, cast.customer);
    try {
      for (const content of [nul, lone]) {
        const answer = await socket.emitAck<{ ok: boolean; error?: { code: string } }>('send_message', { channelId: scene.support.id, content });
        assert.equal(answer.error?.code, 'VALIDATION_FAILED', JSON.stringify(answer));
      }
    } finally {
      socket.close();
    }
    assert.deepEqual(await snapshot(url, cast, scene), before_);
    assert.deepEqual(await channels(), channelsBefore);
  });

  describe('fuzzed request bodies', () => {
    let fuzzCase: Channel;
    let customerMessage: Message;
    let cannedId: string;
    let ticketId: string;

    before(async () => {
      const created = await api<Channel>(url, cast.customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'Fuzz me', category: 'TECHNICAL' });
      fuzzCase = created.body;
      customerMessage = (await api<Message>(url, cast.customer, 'POST', `/api/chat/channels/${fuzzCase.id}/messages`, { content: 'original' })).body;
      cannedId = (await api<{ id: string }>(url, cast.admin, 'POST', '/api/chat/canned-responses', { title: 'Fuzz', text: 'Fuzz', shortcut: `fuzz-${crypto.randomUUID().slice(0, 6)}` })).body.id;
      ticketId = (await snapshotTicket()).id;
    });

    async function snapshotTicket(): Promise<{ id: string }> {
      for (;;) {
        const list = await api<{ items: { id: string }[] }>(url, cast.admin, 'GET', `/api/chat/tickets?channelId=${fuzzCase.id}`);
        if (list.body.items[0]) return list.body.items[0];
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    const anyJson = fc.jsonValue({ maxDepth: 3 });
    /** A field as it should be, or anything else a client could send there. */
    const field = (valid: fc.Arbitrary<unknown>) =>
      fc.oneof({ weight: 2, arbitrary: valid }, anyJson, fc.string({ unit: 'binary', maxLength: 300 }), fc.constant(null), fc.constant('x'.repeat(11_000)));
    /** Objects shaped like the route's body, with fields swapped, dropped or added (a tenant id among them). */
    const shaped = (fields: Record<string, fc.Arbitrary<unknown>>) =>
      fc
        .tuple(
          fc.record(Object.fromEntries(Object.entries(fields).map(([name, valid]) => [name, field(valid)])), { requiredKeys: [] }),
          fc.dictionary(fc.constantFrom('tenantId', 'tid', 'senderId', 'role', '__proto__', 'constructor', 'id', 'seq', 'status'), anyJson, { maxKeys: 2 }),
        )
        .map(([body, extra]) => ({ ...extra, ...body }));
    const bodyOf = (fields: Record<string, fc.Arbitrary<unknown>>) =>
      fc.oneof(
        shaped(fields).map((body) => JSON.stringify(body)),
        anyJson.map((value) => JSON.stringify(value)),
        fc.string({ maxLength: 200 }),
      );
    const text = fc.string({ minLength: 1, maxLength: 50 });

    interface FuzzRoute {
      who: () => Actor;
      method: string;
      path: () => string;
      body: fc.Arbitrary<string>;
      /** What a success could change, and so what a refusal must leave as it was. */
      state: () => Promise<unknown>;
    }

    const read = async (who: Actor, path: string) => {
      const answer = await api(url, who, 'GET', path);
      assert.equal(answer.status, 200, path);
      return answer.body;
    };
    const channelState = () => read(cast.admin, `/api/chat/channels/${fuzzCase.id}`);
    const historyState = () => read(cast.admin, `/api/chat/channels/${fuzzCase.id}/messages?afterSeq=0&limit=200`);

    const routes = (): Record<string, FuzzRoute> => ({
      'create a channel': {
        who: () => cast.agent,
        method: 'POST',
        path: () => '/api/chat/channels',
        body: bodyOf({ type: fc.constantFrom('SUPPORT', 'TEAM', 'TOURNAMENT', 'PLATFORM_SUPPORT'), name: text, subject: text, category: fc.constantFrom('OTHER', 'BILLING'), participantIds: fc.array(text, { maxLength: 3 }), metadata: fc.object() }),
        state: () => read(cast.agent, '/api/chat/channels?limit=200'),
      },
      'send a message': {
        who: () => cast.customer,
        method: 'POST',
        path: () => `/api/chat/channels/${fuzzCase.id}/messages`,
        body: bodyOf({ content: text, clientMessageId: text, metadata: fc.object() }),
        state: historyState,
      },
      'mark read': {
        who: () => cast.agent,
        method: 'POST',
        path: () => `/api/chat/channels/${fuzzCase.id}/read`,
        body: bodyOf({ seq: fc.integer() }),
        state: async () => ((await read(cast.agent, '/api/chat/channels?limit=200')) as { items: { id: string; unreadCount: number }[] }).items.find((item) => item.id === fuzzCase.id)?.unreadCount,
      },
      'add a note': {
        who: () => cast.agent,
        method: 'POST',
        path: () => `/api/chat/channels/${fuzzCase.id}/notes`,
        body: bodyOf({ content: text }),
        state: () => read(cast.agent, `/api/chat/channels/${fuzzCase.id}/notes`),
      },
      escalate: {
        who: () => cast.agent,
        method: 'PUT',
        path: () => `/api/chat/channels/${fuzzCase.id}/escalate`,
        body: bodyOf({ reason: text, escalateTo: text }),
        state: channelState,
      },
      assign: {
        who: () => cast.admin,
        method: 'PUT',
        path: () => `/api/chat/channels/${fuzzCase.id}/assign`,
        body: bodyOf({ assigneeId: fc.constantFrom(cast.agent.userId, cast.customer.userId, cast.foreignAgent.userId, 'nobody') }),
        state: channelState,
      },
      resolve: {
        who: () => cast.agent,
        method: 'PUT',
        path: () => `/api/chat/channels/${fuzzCase.id}/resolve`,
        body: bodyOf({ resolution: text }),
        state: channelState,
      },
      'add a participant': {
        who: () => cast.admin,
        method: 'POST',
        path: () => `/api/chat/channels/${fuzzCase.id}/participants`,
        body: bodyOf({ userId: text }),
        state: channelState,
      },
      'edit a message': {
        who: () => cast.customer,
        method: 'PATCH',
        path: () => `/api/chat/messages/${customerMessage.id}`,
        body: bodyOf({ content: text }),
        state: historyState,
      },
      react: {
        who: () => cast.agent,
        method: 'POST',
        path: () => `/api/chat/messages/${customerMessage.id}/reactions`,
        body: bodyOf({ emoji: fc.constantFrom('👍', ':tada:', ' ', '') }),
        state: historyState,
      },
      'change a ticket': {
        who: () => cast.admin,
        method: 'PATCH',
        path: () => `/api/chat/tickets/${ticketId}`,
        body: bodyOf({ priority: fc.constantFrom('LOW', 'URGENT', 'NOPE'), category: fc.constantFrom('BILLING', 'NOPE') }),
        state: () => read(cast.admin, `/api/chat/tickets/${ticketId}`),
      },
      'set the SLA policy': {
        who: () => cast.admin,
        method: 'PUT',
        path: () => '/api/chat/sla-policy',
        body: bodyOf({ targets: fc.dictionary(fc.constantFrom('LOW', 'HIGH', 'NOPE'), fc.record({ firstResponseMinutes: fc.double(), resolutionMinutes: fc.double() }), { maxKeys: 2 }) }),
        state: () => read(cast.admin, '/api/chat/sla-policy'),
      },
      'create a canned response': {
        who: () => cast.admin,
        method: 'POST',
        path: () => '/api/chat/canned-responses',
        body: bodyOf({ title: text, text, shortcut: text }),
        state: () => read(cast.admin, '/api/chat/canned-responses'),
      },
      'change a canned response': {
        who: () => cast.admin,
        method: 'PATCH',
        path: () => `/api/chat/canned-responses/${cannedId}`,
        body: bodyOf({ title: text, text, shortcut: text }),
        state: () => read(cast.admin, '/api/chat/canned-responses'),
      },
    });

    /**
     * The state once a success's own consequences have landed (its system message, the activity
     * time that message moves), so that they are not taken for the doing of a later refusal.
     */
    async function settled(state: () => Promise<unknown>): Promise<unknown> {
      let last = await state();
      for (let round = 0; round < 20; round++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        const next = await state();
        if (JSON.stringify(next) === JSON.stringify(last)) return next;
        last = next;
      }
      throw new Error('the state never settled after a success');
    }

    it('answers every fuzzed body without a 500, in the error shape, and a refusal changes nothing', async () => {
      let requests = 0;
      for (const [name, route] of Object.entries(routes())) {
        let state = await settled(route.state);
        await fc.assert(
          fc.asyncProperty(route.body, async (body) => {
            requests++;
            const answer = await raw(url, route.method, route.path(), { token: route.who().token, body });
            const what = `${name}: ${body.slice(0, 300)}`;
            assert.ok(answer.status < 500, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`);
            if (answer.status >= 400) {
              assertErrorShape(answer, what);
              assert.deepEqual(await route.state(), state, `${what} → ${answer.status} changed something`);
            } else {
              state = await settled(route.state);
            }
          }),
          { numRuns: 25 },
        );
      }
      assert.ok(requests >= 14 * 25);
    });

    it('answers every fuzzed socket payload with an acknowledgement, never an internal error, and keeps the socket', async () => {
      const socket = await connectSocket(url, cast.customer);
      try {
        const ids = fc.constantFrom(fuzzCase.id, scene.support.id, crypto.randomUUID(), 'not-a-uuid');
        const payload = fc.oneof(
          anyJson,
          fc.record({ channelId: fc.oneof(ids, anyJson), content: fc.oneof(text, anyJson), clientMessageId: fc.oneof(text, anyJson), seq: fc.oneof(fc.integer(), anyJson), isTyping: fc.oneof(fc.boolean(), anyJson) }, { requiredKeys: [] }),
        );
        const made = new Set<string>();
        // A customer's message may reopen a resolved case, which the system tells in a message of its own.
        const sentByPeople = async () => ((await historyState()) as { items: Message[] }).items.filter((message) => message.senderType !== 'SYSTEM').length;
        const historyBefore = await sentByPeople();
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...CLIENT_EVENT_NAMES), payload, async (event, body) => {
            const answer = await socket.emitAck<{ ok: boolean; error?: { code: string }; message?: Message }>(event, body);
            assert.equal(typeof answer.ok, 'boolean', `${event} ${JSON.stringify(body)}`);
            if (!answer.ok) assert.notEqual(answer.error?.code, 'INTERNAL', `${event} ${JSON.stringify(body)}`);
            if (event === 'send_message' && answer.ok && answer.message?.channelId === fuzzCase.id) made.add(answer.message.id);
          }),
          { numRuns: 150 },
        );
        assert.equal(socket.socket.connected, true);
        const historyAfter = await sentByPeople();
        assert.equal(historyAfter, historyBefore + made.size, 'only acknowledged sends made messages');
      } finally {
        socket.close();
      }
    });
  });
});
