/**
 * The OpenAPI document against the gateway: served without a token, the same as the code
 * generates, and in step with the routing table and the gateway's own routes both ways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { buildOpenApiDocument, checkResponse, PUBLIC_ROUTES, routeKey, servedRoutes, type RouteSpec } from '@chat/openapi';
import { Metrics } from '@chat/telemetry';
import { MESSAGING_CHANNEL_PARTS, OWNER_BY_ROOT, ownerOf, PUBLIC_PREFIX } from '../src/domain/routing.ts';
import { mountGatewayRoutes } from '../src/http/routes.ts';
import { gatewayInstruments } from '../src/instruments.ts';
import { PeerClient } from '../src/peers/client.ts';
import { MemoryPresenceStore } from '../src/store/presence.ts';
import { createRateLimits } from '../src/store/rate-limits.ts';
import { startHarness, uniqueTenant, user, type Harness, type TestUser } from './support/harness.ts';

const DEV_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** A request path for a route's template, with a value that fits each parameter. */
function concrete(route: RouteSpec): string {
  return route.path.replace('{id}', crypto.randomUUID()).replace('{userId}', 'user-1').replace('{emoji}', encodeURIComponent('👍'));
}

/** The routes the gateway answers itself, read from an app it mounted them on. */
function gatewayOwnRoutes(devMode: boolean) {
  const app = express();
  const peers = new PeerClient({ channelsUrl: 'http://127.0.0.1:9', messagingUrl: 'http://127.0.0.1:9', ticketsUrl: 'http://127.0.0.1:9' });
  mountGatewayRoutes(app, {
    peers,
    presence: new MemoryPresenceStore(),
    rateLimits: createRateLimits({ user: 0, tenant: 0 }, null),
    instruments: gatewayInstruments(new Metrics('realtime-gateway', { processMetrics: false })),
    corsOrigins: undefined,
    devAuth: devMode ? { secret: DEV_SECRET } : null,
    staticDir: undefined,
  });
  peers.close();
  return servedRoutes(app);
}

describe('the document and the routing table', () => {
  test('every documented service route is routed to the service that owns it', () => {
    for (const route of PUBLIC_ROUTES.filter((route) => route.owner !== 'gateway')) {
      assert.equal(ownerOf(concrete(route)), route.owner, `${route.method.toUpperCase()} ${route.path}`);
    }
  });

  test('every root and channel part of the routing table has documented routes of its owner', () => {
    for (const [root, owner] of Object.entries(OWNER_BY_ROOT)) {
      const documented = PUBLIC_ROUTES.filter((route) => route.path.split('/')[3] === root && !MESSAGING_CHANNEL_PARTS.has(route.path.split('/')[5] ?? ''));
      assert.ok(documented.length > 0, `${PUBLIC_PREFIX}/${root} is routed but not documented`);
      for (const route of documented) assert.equal(route.owner, owner, route.path);
    }
    for (const part of MESSAGING_CHANNEL_PARTS) {
      const documented = PUBLIC_ROUTES.filter((route) => route.path === `${PUBLIC_PREFIX}/channels/{id}/${part}`);
      assert.ok(documented.length > 0, `channels/{id}/${part} is routed but not documented`);
      for (const route of documented) assert.equal(route.owner, 'messaging', route.path);
    }
    // And a path the table does not name reaches nobody, whatever plain objects inherit.
    for (const path of ['/api/chat/constructor', '/api/chat/__proto__', '/api/chat/toString/x', '/api/chat/openapi.json/x']) assert.equal(ownerOf(path), null, path);
  });

  test('the gateway\'s own routes are documented, and every route documented as the gateway\'s is one of them', () => {
    const own = [...gatewayOwnRoutes(true), ...gatewayOwnRoutes(false)].filter((route) => route.path.startsWith(`${PUBLIC_PREFIX}/`) && route.method !== 'all');
    const documented = new Set(PUBLIC_ROUTES.map((route) => routeKey(route.method, route.path)));
    for (const route of own) assert.ok(documented.has(routeKey(route.method, route.path)), `${route.method} ${route.path} is not documented`);
    const served = new Set(own.map((route) => routeKey(route.method, route.path)));
    for (const route of PUBLIC_ROUTES.filter((route) => route.owner === 'gateway')) {
      assert.ok(served.has(routeKey(route.method, route.path)), `${route.path} is documented as the gateway's but it does not serve it`);
      assert.equal(ownerOf(concrete(route)), null, `${route.path} would be proxied`);
    }
  });
});

describe('GET /api/chat/openapi.json', () => {
  let harness: Harness;
  let url: string;
  let staff: TestUser;

  before(async () => {
    harness = await startHarness({ replicas: 1, distributed: false, gateway: { devAuth: { secret: DEV_SECRET }, corsOrigins: ['https://app.example.com'] } });
    url = harness.gateways[0]!.url;
    staff = await user(uniqueTenant('openapi'), 'MANAGEMENT_TEAM', 'Sam');
  });

  after(() => harness.close());

  const document = buildOpenApiDocument();

  test('is served to anyone, without a token, and is the document the code generates', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }, { origin: 'https://app.example.com' }] as Record<string, string>[]) {
      const response = await fetch(`${url}/api/chat/openapi.json`, { headers });
      assert.equal(response.status, 200, JSON.stringify(headers));
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = await response.json();
      assert.deepEqual(body, JSON.parse(JSON.stringify(document)));
      assert.deepEqual(checkResponse(document, { method: 'GET', path: '/api/chat/openapi.json', status: 200, body }), []);
    }
    const foreign = await fetch(`${url}/api/chat/openapi.json`, { headers: { origin: 'https://evil.example.com' } });
    assert.equal(foreign.status, 403, 'CORS still applies');
  });

  test('the gateway\'s own answers are the documented ones', async () => {
    const call = async (method: string, path: string, { token, body }: { token?: string; body?: unknown } = {}) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const observed = { method, path, status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
      assert.deepEqual(checkResponse(document, observed), [], `${method} ${path.slice(0, 80)}`);
      return observed;
    };
    assert.equal((await call('GET', `/api/chat/presence?userIds=${staff.userId},nobody`, { token: staff.token })).status, 200);
    assert.equal((await call('GET', '/api/chat/presence', { token: staff.token })).status, 200);
    const tooMany = Array.from({ length: 201 }, (_, index) => `user-${index}`).join(',');
    assert.equal((await call('GET', `/api/chat/presence?userIds=${tooMany}`, { token: staff.token })).status, 400);
    assert.equal((await call('GET', '/api/chat/presence')).status, 401);
    assert.equal((await call('POST', '/api/chat/dev/token', { body: { userId: 'u-1', tenantId: 't-1', role: 'PARTICIPANT' } })).status, 200);
    assert.equal((await call('POST', '/api/chat/dev/token', { body: { userId: 'u-1', role: 'ROOT' } })).status, 400);
  });
});
