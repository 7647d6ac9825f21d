/**
 * The gateway's edge, attacked as it runs: forged and broken tokens on REST and in the socket
 * handshake (HS256 with issuer and audience checked, and an RS256 replica for the key-confusion
 * attack), a token that expires while its socket is open, browser origins that are not allowed,
 * and floods that must hit the rate limits without hurting anyone else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { Role } from '@chat/contracts';
import {
  amqpUrl,
  deleteAmqpTopology,
  redisUrl,
  SERVICE_ENTRIES,
  startCluster,
  startServiceProcess,
  uniqueExchange,
  uniqueTenant,
  type Cluster,
  type StartedProcess,
} from '@chat/test-kit';
import { assertErrorShape, raw } from './support/http.ts';
import { AUDIENCE, claimsOf, forgedTokens, goodToken, hmac, ISSUER, jwt, rsa, rsaKeys, unsigned, type Identity } from './support/tokens.ts';

const ALLOWED_ORIGIN = 'https://app.example.com';
const USER_RATE = 20;
const TENANT_RATE = 100;

type Refusal = Error & { data?: { code: string; details?: { reason?: string } } };

/** Opens a socket and answers it connected, or the handshake's refusal. */
function handshake(url: string, auth: Record<string, unknown>, extraHeaders: Record<string, string> = {}): Promise<{ socket: Socket } | { refusal: Refusal }> {
  const socket = io(`${url}/chat`, { auth, extraHeaders, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5_000 });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error: Refusal) => {
      socket.close();
      resolve({ refusal: error });
    });
  });
}

function identity(tenantId: string, role: Role = 'TENANT_ADMIN'): Identity {
  return { userId: `user-${crypto.randomUUID().slice(0, 8)}`, tenantId, role };
}

describe('the gateway edge', () => {
  let cluster: Cluster;
  let url: string;

  before(async () => {
    cluster = await startCluster({
      gateways: 2,
      env: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
      serviceEnv: { gateway: { CORS_ORIGINS: ALLOWED_ORIGIN, RATE_LIMIT_USER: String(USER_RATE), RATE_LIMIT_TENANT: String(TENANT_RATE) } },
    });
    url = cluster.url;
  });

  after(async () => {
    await cluster?.stop();
  });

  describe('tokens', () => {
    it('accepts a good token on REST and in the handshake (the baseline the attacks are measured against)', async () => {
      const who = identity(uniqueTenant('jwt'));
      const answer = await raw(url, 'GET', '/api/chat/channels', { token: goodToken(who) });
      assert.equal(answer.status, 200, answer.text);
      const connected = await handshake(url, { token: goodToken(who) });
      assert.ok('socket' in connected, 'a good token connects');
      connected.socket.close();
    });

    it('refuses every forged, broken or out-of-date token with 401 on REST and in the handshake, and leaves no trace', async () => {
      const tenant = uniqueTenant('jwt');
      const admin = identity(tenant);
      const victim = identity(tenant, 'PARTICIPANT');
      for (const [attack, token] of Object.entries(forgedTokens(victim))) {
        for (const [method, path, body] of [
          ['GET', '/api/chat/channels', undefined],
          ['POST', '/api/chat/channels', JSON.stringify({ type: 'SUPPORT', subject: 'forged', category: 'OTHER' })],
          ['GET', '/api/chat/presence', undefined],
        ] as const) {
          const answer = await raw(url, method, path, { token, body });
          assert.equal(answer.status, 401, `${attack}: ${method} ${path} → ${answer.status} ${answer.text.slice(0, 200)}`);
          assert.equal(assertErrorShape(answer, attack), 'UNAUTHENTICATED');
        }
        const connected = await handshake(url, { token });
        assert.ok('refusal' in connected, `${attack}: the socket connected`);
        assert.equal(connected.refusal.data?.code, 'UNAUTHENTICATED', `${attack}: ${connected.refusal.message}`);
      }
      // Had any been taken, the victim would have been seen, or have opened a case.
      const users = await raw(url, 'GET', '/api/chat/users', { token: goodToken(admin) });
      assert.equal(users.status, 200);
      assert.ok(!users.text.includes(victim.userId), 'a refused token left its user behind');
      const channels = await raw(url, 'GET', '/api/chat/channels', { token: goodToken(admin) });
      assert.deepEqual((channels.json as { items: unknown[] }).items, []);
    });

    it('ends a socket whose token expires while it is open, and does not let it back in with that token', async () => {
      const who = identity(uniqueTenant('expiring'));
      const token = goodToken(who, 3);
      const connected = await handshake(url, { token });
      assert.ok('socket' in connected, 'connects while the token is valid');
      const { socket } = connected;
      const told: { error: { code: string; details?: { reason?: string } } }[] = [];
      socket.on('chat_error', (payload) => told.push(payload));
      const opened = Date.now();
      const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
      const lasted = Date.now() - opened;
      assert.equal(reason, 'io server disconnect');
      assert.ok(lasted > 1_000 && lasted < 5_000, `cut after ${lasted} ms`);
      assert.deepEqual(told.at(-1)?.error.details, { reason: 'TOKEN_EXPIRED' });

      // Within the verifier's clock tolerance the handshake may pass, but the socket is cut at once.
      const again = await handshake(url, { token });
      if ('socket' in again) {
        // The cut may come in the same read as the connection, before a listener could be added.
        const cut = again.socket.disconnected
          ? 'cut on arrival'
          : await Promise.race([
              new Promise<string>((resolve) => again.socket.once('disconnect', resolve)),
              new Promise<string>((resolve) => setTimeout(resolve, 1_000, 'still connected')),
            ]);
        again.socket.close();
        assert.ok(cut === 'io server disconnect' || cut === 'cut on arrival', cut);
      } else {
        assert.equal(again.refusal.data?.code, 'UNAUTHENTICATED');
      }
    });

    describe('on a replica that verifies RS256 with a public key', () => {
      const keys = rsaKeys();
      const exchange = uniqueExchange('sec-rs');
      let gateway: StartedProcess;

      before(async () => {
        gateway = await startServiceProcess(SERVICE_ENTRIES.gateway, {
          AMQP_URL: amqpUrl(),
          EVENTS_EXCHANGE: exchange,
          REDIS_URL: redisUrl(),
          JWT_PUBLIC_KEY: keys.publicPem,
          CHANNELS_URL: cluster.channels.url,
          MESSAGING_URL: cluster.messaging.url,
          TICKETS_URL: cluster.tickets.url,
          RATE_LIMIT_USER: '0',
          RATE_LIMIT_TENANT: '0',
        });
      });

      after(async () => {
        await gateway?.kill();
        await deleteAmqpTopology({ exchange, consumers: ['realtime-gateway'] });
      });

      it('accepts a token signed with the private key, and refuses HS256 signed with the public key, alg none and foreign keys', async () => {
        const who = identity(uniqueTenant('rs'));
        const claims = claimsOf(who);
        const good = jwt({ alg: 'RS256', typ: 'JWT' }, claims, rsa(keys.privateKey));
        assert.equal((await raw(gateway.url, 'GET', '/api/chat/presence', { token: good })).status, 200);
        const connected = await handshake(gateway.url, { token: good });
        assert.ok('socket' in connected);
        connected.socket.close();

        const attacks: Record<string, string> = {
          'HS256 keyed with the public key PEM (key confusion)': jwt({ alg: 'HS256', typ: 'JWT' }, claims, hmac(keys.publicPem)),
          'HS256 keyed with the public key DER': jwt({ alg: 'HS256' }, claims, hmac(keys.publicKey.export({ type: 'spki', format: 'der' }))),
          'alg none': jwt({ alg: 'none' }, claims, unsigned),
          'RS256 from another key pair': jwt({ alg: 'RS256' }, claims, rsa(rsaKeys().privateKey)),
          'the right key, tampered claims': (() => {
            const [header, , signature] = good.split('.');
            return `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'SUPER_ADMIN' })).toString('base64url')}.${signature}`;
          })(),
        };
        for (const [attack, token] of Object.entries(attacks)) {
          const answer = await raw(gateway.url, 'GET', '/api/chat/presence', { token });
          assert.equal(answer.status, 401, `${attack}: ${answer.text}`);
          const refused = await handshake(gateway.url, { token });
          assert.ok('refusal' in refused, `${attack}: the socket connected`);
        }
      });
    });
  });

  describe('origins', () => {
    it('refuses REST calls and socket connections from an origin that is not allowed; lets the allowed one and none in', async () => {
      const token = goodToken(identity(uniqueTenant('origin')));
      const evil = await raw(url, 'GET', '/api/chat/channels', { token, headers: { origin: 'https://evil.example.com' } });
      assert.equal(evil.status, 403);
      assert.equal(assertErrorShape(evil, 'evil origin'), 'ORIGIN_NOT_ALLOWED');
      assert.equal(evil.headers.get('access-control-allow-origin'), null);
      const preflight = await raw(url, 'OPTIONS', '/api/chat/channels', { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);

      const allowed = await raw(url, 'GET', '/api/chat/channels', { token, headers: { origin: ALLOWED_ORIGIN } });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);

      for (const origin of ['https://evil.example.com', 'null', 'https://app.example.com.evil.com', 'http://app.example.com']) {
        const refused = await handshake(url, { token }, { origin });
        assert.ok('refusal' in refused, `a socket from ${origin} connected`);
      }
      for (const headers of [{ origin: ALLOWED_ORIGIN }, {}] as Record<string, string>[]) {
        const connected = await handshake(url, { token }, headers);
        assert.ok('socket' in connected, `refused ${JSON.stringify(headers)}`);
        connected.socket.close();
      }
    });
  });

  describe('floods', () => {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it('answers a REST flood of one user with 429 and Retry-After, serves others meanwhile, and forgives after a while', async () => {
      const flooder = goodToken(identity(uniqueTenant('flood')));
      const bystander = goodToken(identity(uniqueTenant('calm')));
      const answers = await Promise.all(Array.from({ length: 120 }, () => raw(url, 'GET', '/api/chat/presence', { token: flooder })));
      const limited = answers.filter((answer) => answer.status === 429);
      const served = answers.filter((answer) => answer.status === 200);
      assert.equal(limited.length + served.length, answers.length, `only 200 or 429: ${answers.map((answer) => answer.status).join(',')}`);
      assert.ok(served.length >= USER_RATE, `served ${served.length}`);
      assert.ok(limited.length >= 50, `limited ${limited.length}`);
      assert.equal(assertErrorShape(limited[0]!, 'flood'), 'RATE_LIMITED');
      assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1);
      assert.equal((await raw(url, 'GET', '/api/chat/presence', { token: bystander })).status, 200, 'another user is served');
      await pause(3_100);
      assert.equal((await raw(url, 'GET', '/api/chat/presence', { token: flooder })).status, 200, 'the budget comes back');
    });

    it("answers a tenant's combined flood with 429 past the tenant budget, while another tenant is served", async () => {
      const tenant = uniqueTenant('crowd');
      // Each user stays within its own budget: any 429 here is the tenant's.
      const crowd = Array.from({ length: 15 }, () => goodToken(identity(tenant, 'PARTICIPANT')));
      const answers = await Promise.all(crowd.flatMap((token) => Array.from({ length: USER_RATE }, () => raw(url, 'GET', '/api/chat/presence', { token }))));
      const limited = answers.filter((answer) => answer.status === 429).length;
      assert.equal(limited + answers.filter((answer) => answer.status === 200).length, answers.length);
      assert.ok(limited >= 50, `limited ${limited} of ${answers.length}`);
      assert.equal((await raw(url, 'GET', '/api/chat/presence', { token: goodToken(identity(uniqueTenant('other'))) })).status, 200);
      await pause(1_100);
    });

    it('refuses a socket event flood and a handshake flood with RATE_LIMITED, and keeps serving other sockets', async () => {
      const who = identity(uniqueTenant('sockets'));
      const token = goodToken(who);
      const connected = await handshake(url, { token });
      assert.ok('socket' in connected);
      const neighbour = await handshake(url, { token: goodToken(identity(who.tenantId, 'MANAGEMENT_TEAM')) });
      assert.ok('socket' in neighbour);
      try {
        const acks = (await Promise.all(
          Array.from({ length: 120 }, () => connected.socket.timeout(10_000).emitWithAck('leave_channel', { channelId: crypto.randomUUID() })),
        )) as { ok: boolean; error?: { code: string; details?: { retryAfterMs?: number } } }[];
        const limited = acks.filter((ack) => ack.error?.code === 'RATE_LIMITED');
        assert.ok(limited.length >= 50, `limited ${limited.length}`);
        assert.ok((limited[0]!.error!.details?.retryAfterMs ?? 0) > 0);
        assert.equal(((await neighbour.socket.timeout(5_000).emitWithAck('leave_channel', { channelId: crypto.randomUUID() })) as { ok: boolean }).ok, true);
      } finally {
        connected.socket.close();
        neighbour.socket.close();
      }

      const crowd = identity(uniqueTenant('handshakes'));
      const attempts = await Promise.all(Array.from({ length: 80 }, () => handshake(url, { token: goodToken(crowd) })));
      const refused = attempts.flatMap((attempt) => ('refusal' in attempt ? [attempt.refusal] : []));
      for (const attempt of attempts) if ('socket' in attempt) attempt.socket.close();
      assert.ok(refused.length > 0, 'no handshake was refused');
      assert.ok(refused.every((refusal) => refusal.data?.code === 'RATE_LIMITED'), refused.map((refusal) => refusal.message).join(', '));
    });
  });
});
