import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createVerifier } from '@chat/auth';
import { mintToken } from '@chat/test-kit';
import { startHarness, uniqueTenant, user, type Harness, type TestUser } from './support/harness.ts';

type Echo = { owner: string; method: string; url: string; body: unknown; authorization: string | null; headers: Record<string, string> };

/** A raw request, so that paths reach the gateway exactly as written (fetch would normalise `..`). */
function rawGet(url: string, path: string, token: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ hostname, port, path, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the REST entry', () => {
  let harness: Harness;
  let url: string;
  let staticDir: string;
  const tenant = uniqueTenant('rest');
  let staff: TestUser, participant: TestUser;

  before(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'console-'));
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Console</title>');
    await writeFile(join(staticDir, 'app.js'), 'console.log("console")');
    harness = await startHarness({
      replicas: 1,
      distributed: false,
      gateway: { devAuth: { secret: 'test-secret-that-is-long-enough-for-hs256-0123456789' }, staticDir, corsOrigins: ['https://app.example.com'] },
    });
    url = harness.gateways[0]!.url;
    staff = await user(tenant, 'MANAGEMENT_TEAM', 'Sam');
    participant = await user(tenant, 'PARTICIPANT', 'Pat');
  });

  after(async () => {
    await harness.close();
    await rm(staticDir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, { token = staff.token, body, headers = {} }: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  test('each path goes to the service that owns it, as the caller', async () => {
    const id = crypto.randomUUID();
    const routes: [string, string, string][] = [
      ['POST', '/api/chat/channels', 'channels'],
      ['GET', `/api/chat/channels/${id}`, 'channels'],
      ['PUT', `/api/chat/channels/${id}`, 'channels'],
      ['DELETE', `/api/chat/channels/${id}`, 'channels'],
      ['PUT', `/api/chat/channels/${id}/escalate`, 'channels'],
      ['PUT', `/api/chat/channels/${id}/assign`, 'channels'],
      ['PUT', `/api/chat/channels/${id}/resolve`, 'channels'],
      ['POST', `/api/chat/channels/${id}/participants`, 'channels'],
      ['DELETE', `/api/chat/channels/${id}/participants/u-1`, 'channels'],
      ['GET', '/api/chat/users?role=PARTICIPANT&q=pa', 'channels'],
      ['POST', `/api/chat/channels/${id}/messages`, 'messaging'],
      ['GET', `/api/chat/channels/${id}/messages?afterSeq=3&limit=2`, 'messaging'],
      ['POST', `/api/chat/channels/${id}/read`, 'messaging'],
      ['POST', `/api/chat/channels/${id}/notes`, 'messaging'],
      ['GET', `/api/chat/channels/${id}/notes`, 'messaging'],
      ['PATCH', `/api/chat/messages/${id}`, 'messaging'],
      ['DELETE', `/api/chat/messages/${id}/reactions/%F0%9F%91%8D`, 'messaging'],
      ['GET', '/api/chat/search?q=refund', 'messaging'],
      ['GET', '/api/chat/tickets?status=OPEN', 'tickets'],
      ['PATCH', `/api/chat/tickets/${id}`, 'tickets'],
      ['PUT', '/api/chat/sla-policy', 'tickets'],
      ['GET', '/api/chat/canned-responses', 'tickets'],
      ['DELETE', `/api/chat/canned-responses/${id}`, 'tickets'],
    ];
    for (const [method, path, owner] of routes) {
      const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
      const response = await call(method, path, withBody ? { body: { probe: path } } : {});
      assert.equal(response.status, 200, `${method} ${path}`);
      assert.ok(response.headers.get('x-request-id'));
      const echo = (await response.json()) as Echo;
      assert.equal(echo.owner, owner, `${method} ${path}`);
      assert.equal(echo.method, method);
      assert.equal(echo.url, path, 'path and query pass unchanged');
      assert.equal(echo.authorization, `Bearer ${staff.token}`, 'the caller’s own token goes along');
      assert.equal(echo.headers['x-request-id'], response.headers.get('x-request-id'));
      if (withBody) assert.deepEqual(echo.body, { probe: path });
    }
  });

  test('a body that is not JSON streams through as it is', async () => {
    const response = await call('POST', '/api/chat/tickets', { headers: { 'content-type': 'text/plain' }, body: undefined });
    assert.equal(response.status, 200);
    const streamed = await fetch(`${url}/api/chat/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array([1, 2, 3]),
    });
    assert.equal(((await streamed.json()) as Echo).headers['content-length'], '3');
  });

  test('internal routes and paths nobody owns are never routed', async () => {
    for (const path of [
      '/internal/channels/x',
      '/api/chat/../internal/channels/x',
      '/api/chat/%2e%2e/internal/channels/x',
      '/api/chat/channels/%2e%2e/%2e%2e/internal/channels/x',
      '/api/chat/channels/a%2Fb',
      '/api/chat//channels',
      '/api/chat/internal/channels/x',
      '/api/chat/nothing-here',
    ]) {
      const { status, body } = await rawGet(url, path, staff.token);
      assert.equal(status, 404, path);
      assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'NOT_FOUND', path);
    }
    assert.equal(harness.fakes.accessChecks, 0, 'the internal route was never reached');
  });

  test('401 without a valid token, before anything is routed', async () => {
    for (const token of [null, 'garbage', await mintToken({ userId: 'x', tenantId: tenant, role: 'PARTICIPANT', ttlSec: -60 })]) {
      const response = await call('GET', '/api/chat/tickets', { token });
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    }
  });

  test('the channel list is completed with lastMessage and unreadCount in one call', async () => {
    const channel = harness.fakes.addChannel({ tenantId: tenant, type: 'SUPPORT', participants: [{ userId: participant.userId, role: 'PARTICIPANT' }] });
    const quiet = harness.fakes.addChannel({ tenantId: tenant, type: 'SUPPORT', participants: [{ userId: participant.userId, role: 'PARTICIPANT' }] });
    harness.fakes.addChannel({ tenantId: uniqueTenant('elsewhere'), type: 'SUPPORT', participants: [] });
    const sent = await call('POST', `/api/chat/channels/${channel.id}/messages`, { token: participant.token, body: { content: 'hi' } });
    assert.equal(sent.status, 201);
    const message = await sent.json();

    const response = await call('GET', '/api/chat/channels?limit=10', { token: staff.token });
    assert.equal(response.status, 200);
    const page = (await response.json()) as { items: { id: string; lastMessage: unknown; unreadCount: number }[]; nextCursor: string | null };
    assert.equal(page.nextCursor, null);
    const byId = new Map(page.items.map((item) => [item.id, item]));
    assert.deepEqual(byId.get(channel.id)?.lastMessage, message);
    assert.equal(byId.get(channel.id)?.unreadCount, 1);
    assert.equal(byId.get(quiet.id)?.lastMessage, null);
    assert.equal(byId.get(quiet.id)?.unreadCount, 0);
    assert.ok(page.items.every((item) => harness.fakes.channels.get(item.id)?.tenantId === tenant));
  });

  test('an owner that cannot be reached answers 503 in the error shape', async () => {
    const down = await startHarness({ replicas: 1, distributed: false });
    try {
      down.fakes.addChannel({ tenantId: tenant, type: 'SUPPORT', participants: [] });
      await down.fakes.stop('tickets');
      await down.fakes.stop('messaging');
      const gateway = down.gateways[0]!.url;
      for (const [method, path] of [
        ['GET', '/api/chat/tickets'],
        ['POST', `/api/chat/channels/${crypto.randomUUID()}/messages`],
        ['GET', '/api/chat/channels'],
      ] as const) {
        const response = await fetch(`${gateway}${path}`, {
          method,
          headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: JSON.stringify({ content: 'x' }) } : {}),
        });
        assert.equal(response.status, 503, `${method} ${path}`);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
      }
      // The channel list needs messaging too, unless the page is empty.
      assert.equal((await fetch(`${gateway}/api/chat/channels`, { headers: { authorization: `Bearer ${(await user(uniqueTenant('empty'), 'PARTICIPANT')).token}` } })).status, 200);
    } finally {
      await down.close();
    }
  });

  test('dev tokens, when dev auth is on', async () => {
    const response = await call('POST', '/api/chat/dev/token', { token: null, body: { userId: 'dev-1', tenantId: tenant, role: 'TENANT_ADMIN', name: 'Dev' } });
    assert.equal(response.status, 200);
    const { token } = (await response.json()) as { token: string };
    const principal = await createVerifier({ secret: 'test-secret-that-is-long-enough-for-hs256-0123456789' }).verify(token);
    assert.deepEqual({ ...principal, expiresAt: 0 }, { userId: 'dev-1', tenantId: tenant, role: 'TENANT_ADMIN', name: 'Dev', expiresAt: 0 });
    const bad = await call('POST', '/api/chat/dev/token', { token: null, body: { userId: 'dev-1', tenantId: tenant, role: 'KING' } });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');

    const off = await startHarness({ replicas: 1, distributed: false });
    try {
      const refused = await fetch(`${off.gateways[0]!.url}/api/chat/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'a', tenantId: 'b', role: 'TENANT_ADMIN' }) });
      assert.equal(refused.status, 404, 'without dev auth there is no such route');
    } finally {
      await off.close();
    }
  });

  test('CORS: the configured origin and our own are served, any other refused', async () => {
    const preflight = await fetch(`${url}/api/chat/tickets`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);

    const allowed = await call('GET', '/api/chat/tickets', { headers: { origin: 'https://app.example.com' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');

    const own = await call('GET', '/api/chat/tickets', { headers: { origin: url } });
    assert.equal(own.status, 200);

    const evil = await call('GET', '/api/chat/tickets', { headers: { origin: 'https://evil.example.com' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.equal(((await evil.json()) as { error: { code: string } }).error.code, 'ORIGIN_NOT_ALLOWED');
  });

  test('oversize and malformed JSON bodies are refused at the door', async () => {
    const big = await fetch(`${url}/api/chat/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'SUPPORT', name: 'x'.repeat(100_000) }),
    });
    assert.equal(big.status, 413);
    const malformed = await fetch(`${url}/api/chat/channels`, { method: 'POST', headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' }, body: '{"type":' });
    assert.equal(malformed.status, 400);
  });

  test('presence answers for the caller’s tenant only, and validates its query', async () => {
    const response = await call('GET', '/api/chat/presence');
    assert.deepEqual(await response.json(), { items: [] });
    const bad = await call('GET', `/api/chat/presence?userIds=${Array.from({ length: 201 }, (_, index) => `u${index}`).join(',')}`);
    assert.equal(bad.status, 400);
  });

  test('the console is served at / with a single-page fallback, the API keeps its JSON 404', async () => {
    const index = await fetch(`${url}/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /<title>Console<\/title>/);
    assert.match(await (await fetch(`${url}/app.js`)).text(), /console/);
    const deepLink = await fetch(`${url}/tickets/42`);
    assert.equal(deepLink.status, 200);
    assert.match(await deepLink.text(), /Console/);
    const api = await fetch(`${url}/api/other`);
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  test('health, readiness and metrics', async () => {
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { gateway: true, broker: true });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const series of ['gateway_socket_connections', 'gateway_proxied_requests_total', 'gateway_socket_client_events_total']) assert.match(metrics, new RegExp(series));
  });
});

describe('REST rate limits on Redis', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness({ replicas: 2, gateway: { rateLimits: { user: 10, userBurst: 10, tenant: 25 } } });
  });

  after(async () => harness.close());

  test('a user over its budget gets 429 on every replica; its tenant too, past the tenant budget', async () => {
    const tenant = uniqueTenant('limited');
    const greedy = await user(tenant, 'PARTICIPANT');
    const [gw0, gw1] = harness.gateways.map((gateway) => gateway.url) as [string, string];
    const hit = (gateway: string, token: string) => fetch(`${gateway}/api/chat/tickets`, { headers: { authorization: `Bearer ${token}` } });
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, index) => hit(index % 2 ? gw0 : gw1, greedy.token).then((response) => response.status)));
    assert.equal(statuses.filter((status) => status === 200).length, 10, 'the budget is shared by the replicas');
    const refused = await hit(gw0, greedy.token);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');

    // Others of the tenant share the tenant's budget (25/s), of which the greedy one spent 10.
    const others = await Promise.all(Array.from({ length: 4 }, () => user(tenant, 'PARTICIPANT')));
    const spread = await Promise.all(others.flatMap((other) => Array.from({ length: 5 }, () => hit(gw1, other.token).then((response) => response.status))));
    assert.equal(spread.filter((status) => status === 200).length, 15);
    // Another tenant is untouched.
    assert.equal((await hit(gw0, (await user(uniqueTenant('calm'), 'PARTICIPANT')).token)).status, 200);
  });
});
