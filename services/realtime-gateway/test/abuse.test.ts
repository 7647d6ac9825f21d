import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { io } from 'socket.io-client';
import { makeEnvelope, type ChannelSnapshot, type Message } from '@chat/contracts';
import { mintToken } from '@chat/test-kit';
import { connect, pause, startHarness, uniqueTenant, user, type ConnectRefusal, type Harness, type TestSocket, type TestUser } from './support/harness.ts';

type Ack = { ok: boolean; error?: { code: string; details?: unknown } };

/** Every kind of abuse gets a clean refusal, and the server goes on serving everyone else. */
describe('socket abuse is refused cleanly', () => {
  let harness: Harness;
  let url: string;
  const tenant = uniqueTenant('abuse');
  const otherTenant = uniqueTenant('other');
  let member: TestUser, bystander: TestUser;
  let channel: ChannelSnapshot, foreign: ChannelSnapshot;
  let witness: TestSocket;

  before(async () => {
    harness = await startHarness({
      replicas: 2,
      gateway: { rateLimits: { user: 20, userBurst: 40, tenant: 10_000 }, corsOrigins: ['https://console.example.com'] },
    });
    url = harness.gateways[0]!.url;
    member = await user(tenant, 'PARTICIPANT', 'Mia');
    bystander = await user(tenant, 'MANAGEMENT_TEAM', 'Ben');
    channel = harness.fakes.addChannel({ tenantId: tenant, type: 'SUPPORT', participants: [{ userId: member.userId, role: 'PARTICIPANT' }] });
    foreign = harness.fakes.addChannel({ tenantId: otherTenant, type: 'SUPPORT', participants: [{ userId: 'someone', role: 'PARTICIPANT' }] });
    // A well-behaved staff socket on the other replica: it must keep getting events throughout.
    witness = await connect(harness.gateways[1]!.url, bystander);
    assert.deepEqual(await witness.request('join_channel', { channelId: channel.id }), { ok: true });
  });

  after(async () => {
    witness.close();
    await harness.close();
  });

  async function refusedHandshake(auth: Record<string, unknown> | undefined, options: Parameters<typeof io>[1] = {}): Promise<ConnectRefusal> {
    const refusal = await connect(url, auth, options).then(
      (socket) => {
        socket.close();
        throw new Error('connected');
      },
      (error: ConnectRefusal) => error,
    );
    return refusal;
  }

  async function stillServing(): Promise<void> {
    const message: Message = {
      id: crypto.randomUUID(),
      channelId: channel.id,
      tenantId: tenant,
      seq: 1,
      senderId: member.userId,
      senderType: 'PARTICIPANT',
      content: 'still here',
      metadata: null,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
    };
    await harness.publish(makeEnvelope('message.created', tenant, { userId: member.userId, role: 'PARTICIPANT' }, { message }));
    await witness.waitFor<{ message: Message }>('new_message', (payload) => payload.message.id === message.id);
  }

  test('no token, a bad token, an expired token or alg none: refused in the handshake', async () => {
    const missing = await refusedHandshake(undefined);
    assert.equal(missing.data?.code, 'UNAUTHENTICATED');
    assert.deepEqual(missing.data?.details, { reason: 'TOKEN_MISSING' });

    const notAString = await refusedHandshake({ token: { forged: true } });
    assert.equal(notAString.data?.code, 'UNAUTHENTICATED');

    const wrongKey = await refusedHandshake({ token: await mintToken({ userId: 'x', tenantId: tenant, role: 'TENANT_ADMIN', secret: 'another-secret-that-is-long-enough-0123456789' }) });
    assert.equal(wrongKey.data?.code, 'UNAUTHENTICATED');

    const expired = await refusedHandshake({ token: await mintToken({ userId: 'x', tenantId: tenant, role: 'TENANT_ADMIN', ttlSec: -60 }) });
    assert.equal(expired.data?.code, 'UNAUTHENTICATED');

    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'x', tid: tenant, role: 'TENANT_ADMIN', exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url')}.`;
    assert.equal((await refusedHandshake({ token: unsigned })).data?.code, 'UNAUTHENTICATED');

    const noRole = await new SignJWT({ tid: tenant }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256-0123456789'));
    assert.equal((await refusedHandshake({ token: noRole })).data?.code, 'UNAUTHENTICATED');

    // The main namespace serves nothing, token or not.
    const main = io(url, { auth: { token: member.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    const mainRefusal = await new Promise<Error>((resolve) => main.once('connect_error', resolve));
    main.disconnect();
    assert.match(mainRefusal.message, /\/chat/);
    await stillServing();
  });

  test('an origin outside CORS_ORIGINS is refused; the configured one and none are let in', async () => {
    const refused = await refusedHandshake({ token: member.token }, { extraHeaders: { origin: 'https://evil.example.com' } });
    assert.ok(refused instanceof Error);
    const listed = await connect(url, member, { extraHeaders: { origin: 'https://console.example.com' } });
    listed.close();
    const sameOrigin = await connect(url, member, { extraHeaders: { origin: url } });
    sameOrigin.close();
  });

  test("another tenant's channel is as unknown as none", async () => {
    const socket = await connect(url, member);
    try {
      const answer = await socket.request<Ack>('join_channel', { channelId: foreign.id });
      assert.equal(answer.ok, false);
      assert.equal(answer.error?.code, 'NOT_FOUND');
      const unknown = await socket.request<Ack>('join_channel', { channelId: crypto.randomUUID() });
      assert.equal(unknown.error?.code, 'NOT_FOUND');
      const send = await socket.request<Ack>('send_message', { channelId: foreign.id, content: 'hi' });
      assert.equal(send.error?.code, 'NOT_FOUND');
      const read = await socket.request<Ack>('mark_read', { channelId: foreign.id, seq: 1 });
      assert.equal(read.error?.code, 'NOT_FOUND');
      assert.equal(harness.fakes.messages.get(foreign.id), undefined, 'nothing was written');
    } finally {
      socket.close();
    }
  });

  test('malformed payloads are refused with VALIDATION_FAILED, with or without an ack', async () => {
    const socket = await connect(url, await user(tenant, 'PARTICIPANT'));
    try {
      for (const payload of [undefined, null, 'a string', 42, [], {}, { channelId: 'not-a-uuid' }, { channelId: { $ne: null } }]) {
        const answer = await socket.request<Ack>('join_channel', payload);
        assert.equal(answer.ok, false, `accepted ${JSON.stringify(payload)}`);
        assert.equal(answer.error?.code, 'VALIDATION_FAILED');
      }
      const tooLong = await socket.request<Ack>('send_message', { channelId: channel.id, content: 'x'.repeat(10_001) });
      assert.equal(tooLong.error?.code, 'VALIDATION_FAILED');
      const empty = await socket.request<Ack>('send_message', { channelId: channel.id, content: '' });
      assert.equal(empty.error?.code, 'VALIDATION_FAILED');
      const badSeq = await socket.request<Ack>('mark_read', { channelId: channel.id, seq: -1 });
      assert.equal(badSeq.error?.code, 'VALIDATION_FAILED');

      socket.socket.emit('typing', { channelId: channel.id, isTyping: 'yes' });
      const refusal = await socket.waitFor<{ event: string; error: { code: string } }>('chat_error', (payload) => payload.event === 'typing');
      assert.equal(refusal.error.code, 'VALIDATION_FAILED');

      socket.socket.emit('drop_database', {});
      const unknown = await socket.waitFor<{ event: string; error: { code: string } }>('chat_error', (payload) => payload.event === 'drop_database');
      assert.equal(unknown.error.code, 'UNKNOWN_EVENT');
      assert.equal(socket.socket.connected, true, 'a refused event does not cost the connection');
    } finally {
      socket.close();
    }
    await stillServing();
  });

  test('an oversize payload closes only that connection', async () => {
    const socket = await connect(url, await user(tenant, 'PARTICIPANT'));
    const closed = new Promise<string>((resolve) => socket.socket.once('disconnect', resolve));
    socket.socket.emit('send_message', { channelId: channel.id, content: 'x'.repeat(200_000) });
    assert.match(await closed, /transport (close|error)/);
    assert.equal(harness.fakes.messages.get(channel.id), undefined, 'nothing was sent');
    await stillServing();
  });

  test('an event flood is rate limited; others are not, and the budget comes back', async () => {
    const flooder = await connect(url, member);
    const neighbour = await connect(url, bystander);
    try {
      const answers = await Promise.all(Array.from({ length: 120 }, () => flooder.request<Ack>('join_channel', { channelId: channel.id })));
      const limited = answers.filter((answer) => answer.error?.code === 'RATE_LIMITED');
      const allowed = answers.filter((answer) => answer.ok);
      assert.equal(allowed.length + limited.length, answers.length);
      assert.ok(allowed.length >= 20 && allowed.length <= 60, `allowed ${allowed.length}`);
      assert.ok(limited.length >= 60, `limited ${limited.length}`);
      assert.ok((limited[0]!.error!.details as { retryAfterMs: number }).retryAfterMs > 0);

      // Without an ack the refusal comes as chat_error.
      for (let index = 0; index < 5; index++) flooder.socket.emit('typing', { channelId: channel.id, isTyping: true });
      const refusal = await flooder.waitFor<{ error: { code: string } }>('chat_error', (payload) => payload.error.code === 'RATE_LIMITED');
      assert.ok(refusal);

      // Someone else of the tenant is not affected.
      assert.deepEqual(await neighbour.request('join_channel', { channelId: channel.id }), { ok: true });
      await stillServing();

      await pause(2_100);
      assert.deepEqual(await flooder.request('join_channel', { channelId: channel.id }), { ok: true });
    } finally {
      flooder.close();
      neighbour.close();
    }
  });

  test('many connection attempts of one user are rate limited in the handshake', async () => {
    const crowd = await user(tenant, 'PARTICIPANT');
    const attempts = await Promise.allSettled(Array.from({ length: 80 }, () => connect(url, crowd)));
    const refused = attempts.filter((attempt) => attempt.status === 'rejected').map((attempt) => (attempt as PromiseRejectedResult).reason as ConnectRefusal);
    for (const attempt of attempts) if (attempt.status === 'fulfilled') attempt.value.close();
    assert.ok(refused.length > 0);
    assert.ok(refused.every((refusal) => refusal.data?.code === 'RATE_LIMITED'));
    await pause(2_100);
  });

  test('a token that expires while its socket is open ends the socket at expiry', async () => {
    const shortLived = await user(tenant, 'PARTICIPANT', 'Short', 2);
    const socket = await connect(url, shortLived);
    const started = Date.now();
    const reason = await new Promise<string>((resolve) => socket.socket.once('disconnect', resolve));
    assert.equal(reason, 'io server disconnect');
    assert.ok(Date.now() - started < 4_000);
    const told = socket.of<{ error: { code: string; details: unknown } }>('chat_error');
    assert.deepEqual(told.at(-1)?.error.details, { reason: 'TOKEN_EXPIRED' });
  });
});
