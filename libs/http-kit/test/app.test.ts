import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { AuthError, createVerifier, issueDevToken } from '@chat/auth';
import { Refusal, type RefusalKind } from '@chat/contracts';
import { Metrics } from '@chat/telemetry';
import {
  authenticate,
  conflict,
  createHttpApp,
  finishApp,
  notFound,
  parseBody,
  parseParams,
  parseQuery,
  principalOf,
  requireRole,
  serve,
  tooManyRequests,
  type RunningServer,
} from '@chat/http-kit';
import { capturingLogger, eventually } from './helpers.ts';

const SECRET = 'http-kit-test-secret-long-enough-for-hs256';
const verifier = createVerifier({ secret: SECRET });
const token = (role: 'PARTICIPANT' | 'TENANT_ADMIN' = 'PARTICIPANT') =>
  issueDevToken({ secret: SECRET, userId: 'user-1', tenantId: 'tenant-a', role, name: 'Ada' });

const CreateThing = z.strictObject({ title: z.string().min(1).max(20), tags: z.array(z.string()).max(2).optional(), count: z.number().int() });
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const ThingParams = z.object({ id: z.uuid() });
const KNOWN_THING = '0b7e7dd2-6a43-4a58-9a5c-1f7d0f0c1a11';

describe('an app made by createHttpApp', () => {
  const { logger, lines } = capturingLogger();
  const metrics = new Metrics('test-service', { processMetrics: false });
  let readinessOk = true;
  let running: RunningServer;
  let base: string;

  before(async () => {
    const app = createHttpApp({
      service: 'test-service',
      logger,
      metrics,
      verifier,
      bodyLimit: '1kb',
      readinessTimeoutMs: 200,
      readiness: {
        database: () => readinessOk,
        broker: async () => true,
        slow: () => (readinessOk ? true : new Promise<boolean>(() => {})),
      },
    });
    app.post('/things', (req, res) => {
      res.status(201).json(parseBody(CreateThing, req));
    });
    app.get('/things', (req, res) => {
      res.json(parseQuery(ListQuery, req));
    });
    app.get('/things/:id', (req, res) => {
      res.json(parseParams(ThingParams, req));
    });
    app.post('/owned-things/:id', authenticate(verifier), (req, res) => {
      // As the services judge a resource: the token, then whether it exists, then the body.
      if (parseParams(ThingParams, req).id !== KNOWN_THING) throw notFound();
      res.status(201).json(parseBody(CreateThing, req));
    });
    app.get('/me', authenticate(verifier), (req, res) => {
      res.json(principalOf(req));
    });
    app.get('/me-keys-down', authenticate({ verify: async () => Promise.reject(new AuthError('KEYS_UNAVAILABLE')) }), (_req, res) => {
      res.json({ reached: true });
    });
    app.get('/me-default', authenticate(), (req, res) => {
      res.json({ userId: principalOf(req).userId });
    });
    app.delete('/admin', authenticate(), requireRole('TENANT_ADMIN', 'SUPER_ADMIN'), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/unauthenticated-principal', (req, res) => {
      res.json(principalOf(req));
    });
    app.get('/limited', () => {
      throw tooManyRequests(2.5);
    });
    app.get('/refused/:kind', (req) => {
      throw new Refusal(req.params.kind as RefusalKind, 'REFUSED_HERE', 'Refused by the domain', { details: [{ field: 'x', message: 'why' }] });
    });
    app.get('/conflict', () => {
      throw conflict('The channel is archived', { code: 'CHANNEL_ARCHIVED' });
    });
    app.get('/database-down', async () => {
      const error = new Error('connect ECONNREFUSED 10.1.2.3:5432');
      error.name = 'DatabaseUnavailableError';
      throw error;
    });
    app.get('/broker-down', () => {
      throw Object.assign(new Error('amqp://guest:guest@broker closed'), { code: 'SERVICE_UNAVAILABLE' });
    });
    app.get('/boom', async () => {
      throw new Error('secret internals at /srv/app/db.ts password=hunter2');
    });
    app.get('/boom-not-an-error', () => {
      throw 'a string';
    });
    finishApp(app);
    running = await serve(app, { port: 0, host: '127.0.0.1', logger, handleSignals: false });
    base = `http://127.0.0.1:${running.port}`;
  });

  after(() => running.close());

  async function call(path: string, init: RequestInit = {}) {
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: response.status, headers: response.headers, body };
  }

  const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
    call(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  test('/healthz answers 200 {status: ok}', async () => {
    const { status, body } = await call('/healthz');
    assert.equal(status, 200);
    assert.deepEqual(body, { status: 'ok' });
  });

  test('security headers are set', async () => {
    const { headers } = await call('/healthz');
    assert.equal(headers.get('x-content-type-options'), 'nosniff');
    assert.equal(headers.get('x-powered-by'), null);
    const csp = headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
  });

  test('a valid body passes through parseBody', async () => {
    const { status, body } = await postJson('/things', JSON.stringify({ title: 'hello', count: 2 }));
    assert.equal(status, 201);
    assert.deepEqual(body, { title: 'hello', count: 2 });
  });

  test('400 VALIDATION_FAILED names each bad field', async () => {
    const { status, body } = await postJson('/things', JSON.stringify({ title: '', tags: ['a', 3], extra: true }));
    assert.equal(status, 400);
    const error = (body as { error: { code: string; message: string; details: { field: string; message: string }[] } }).error;
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.equal(typeof error.message, 'string');
    assert.deepEqual(error.details.map((detail) => detail.field).sort(), ['count', 'extra', 'tags.1', 'title']);
    for (const detail of error.details) assert.equal(typeof detail.message, 'string');
    assert.deepEqual(Object.keys(body as object), ['error']);
  });

  test('an absent body is validated as {} and a non-object body is named "body"', async () => {
    const missing = await call('/things', { method: 'POST' });
    assert.equal(missing.status, 400);
    assert.deepEqual(
      (missing.body as { error: { details: { field: string }[] } }).error.details.map((detail) => detail.field).sort(),
      ['count', 'title'],
    );
    const array = await postJson('/things', '[1,2]');
    assert.equal(array.status, 400);
    assert.deepEqual((array.body as { error: { details: { field: string }[] } }).error.details.map((detail) => detail.field), ['body']);
  });

  test('a body that is not JSON by content type is 415', async () => {
    const { status, body } = await call('/things', { method: 'POST', body: '{"title":"x","count":1}', headers: { 'content-type': 'text/plain' } });
    assert.equal(status, 415);
    assert.equal((body as { error: { code: string } }).error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('query parameters are validated and coerced', async () => {
    assert.deepEqual((await call('/things?limit=5')).body, { limit: 5 });
    const { status, body } = await call('/things?limit=500');
    assert.equal(status, 400);
    assert.deepEqual(
      (body as { error: { code: string; details: { field: string }[] } }).error.details.map((detail) => detail.field),
      ['limit'],
    );
  });

  test('malformed JSON is 400 MALFORMED_JSON', async () => {
    const { status, body } = await postJson('/things', '{"title": "x",');
    assert.equal(status, 400);
    assert.deepEqual(body, { error: { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' } });
  });

  test('an oversize body is 413 PAYLOAD_TOO_LARGE', async () => {
    const { status, body } = await postJson('/things', JSON.stringify({ title: 'x'.repeat(2000), count: 1 }));
    assert.equal(status, 413);
    assert.deepEqual(body, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' } });
  });

  test('a bad body is answered after the token and the resource: 401, then 404, then 400 or 413', async () => {
    const path = `/owned-things/${KNOWN_THING}`;
    const malformed = '{"title": "x",';
    const oversize = JSON.stringify({ title: 'x'.repeat(2000), count: 1 });
    for (const body of [malformed, oversize]) {
      const anonymous = await postJson(path, body);
      assert.equal(anonymous.status, 401, 'no token: 401 whatever the body');
      assert.equal((anonymous.body as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
      const badToken = await postJson(path, body, { authorization: 'Bearer not.a.token' });
      assert.equal(badToken.status, 401);
      const unknown = await postJson('/owned-things/1d8e2f3a-0000-4000-8000-000000000000', body, { authorization: `Bearer ${await token()}` });
      assert.equal(unknown.status, 404, 'an unknown resource: 404 whatever the body');
    }
    const authorization = `Bearer ${await token()}`;
    const bad = await postJson(path, malformed, { authorization });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error: { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' } });
    assert.equal((await postJson(path, oversize, { authorization })).status, 413);
    assert.equal((await postJson(path, JSON.stringify({ title: 'ok', count: 1 }), { authorization })).status, 201);
  });

  test('a path id that is not a UUID is 404, a UUID passes', async () => {
    const { status, body } = await call('/things/not-a-uuid');
    assert.equal(status, 404);
    assert.deepEqual(body, { error: { code: 'NOT_FOUND', message: 'Not found' } });
    const id = '0b7e7dd2-6a43-4a58-9a5c-1f7d0f0c1a11';
    assert.deepEqual((await call(`/things/${id}`)).body, { id });
  });

  test('an unknown route is a JSON 404', async () => {
    const { status, body } = await call('/nowhere', { method: 'PATCH' });
    assert.equal(status, 404);
    assert.deepEqual(body, { error: { code: 'NOT_FOUND', message: 'No such route' } });
  });

  test('a bad percent-encoding in a path is a 4xx with the error shape, not a 500', async () => {
    const { status, body } = await call('/things/%E0%A4%A');
    assert.equal(status, 400);
    assert.equal((body as { error: { code: string } }).error.code, 'BAD_REQUEST');
  });

  test('401 UNAUTHENTICATED without a bearer token, with a bad one, with an expired one', async () => {
    const missing = await call('/me');
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.body, {
      error: { code: 'UNAUTHENTICATED', message: 'A bearer token is required', details: { reason: 'TOKEN_MISSING' } },
    });
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');

    const basic = await call('/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(basic.status, 401);

    const bad = await call('/me', { headers: { authorization: 'Bearer not.a.token' } });
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, { error: { code: 'UNAUTHENTICATED', message: 'The token is not valid', details: { reason: 'TOKEN_INVALID' } } });
    assert.equal(bad.headers.get('www-authenticate'), 'Bearer error="invalid_token"');

    const expired = await new SignJWT({ tid: 't', role: 'PARTICIPANT' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
      .sign(new TextEncoder().encode(SECRET));
    const late = await call('/me', { headers: { authorization: `Bearer ${expired}` } });
    assert.equal(late.status, 401);
    assert.deepEqual((late.body as { error: { details: unknown } }).error.details, { reason: 'TOKEN_EXPIRED' });
  });

  test('a good bearer token sets the principal (scheme is case-insensitive)', async () => {
    const { status, body } = await call('/me', { headers: { authorization: `bearer ${await token()}` } });
    assert.equal(status, 200);
    const { expiresAt, ...principal } = body as Record<string, unknown>;
    assert.deepEqual(principal, { userId: 'user-1', tenantId: 'tenant-a', role: 'PARTICIPANT', name: 'Ada' });
    assert.equal(typeof expiresAt, 'number');
    assert.equal((await call('/me-default', { headers: { authorization: `Bearer ${await token()}` } })).status, 200);
  });

  test('a JWKS endpoint that cannot be reached is 503, not 401', async () => {
    const { status, body } = await call('/me-keys-down', { headers: { authorization: 'Bearer a.b.c' } });
    assert.equal(status, 503);
    assert.equal((body as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
  });

  test('a route that reads the principal without authenticate answers 401, not 500', async () => {
    assert.equal((await call('/unauthenticated-principal')).status, 401);
  });

  test('403 FORBIDDEN for a role that may not', async () => {
    const participant = await call('/admin', { method: 'DELETE', headers: { authorization: `Bearer ${await token()}` } });
    assert.equal(participant.status, 403);
    assert.deepEqual(participant.body, { error: { code: 'FORBIDDEN', message: 'This role may not do that' } });
    const admin = await call('/admin', { method: 'DELETE', headers: { authorization: `Bearer ${await token('TENANT_ADMIN')}` } });
    assert.equal(admin.status, 200);
    assert.equal((await call('/admin', { method: 'DELETE' })).status, 401);
  });

  test('409 with its own code', async () => {
    const { status, body } = await call('/conflict');
    assert.equal(status, 409);
    assert.deepEqual(body, { error: { code: 'CHANNEL_ARCHIVED', message: 'The channel is archived' } });
  });

  test("a domain's refusal is answered with its kind's status, its code and its details", async () => {
    const statusOf = { 'not-found': 404, forbidden: 403, invalid: 400, conflict: 409, unavailable: 503 } as const;
    for (const [kind, expected] of Object.entries(statusOf)) {
      const { status, body } = await call(`/refused/${kind}`);
      assert.equal(status, expected, kind);
      assert.deepEqual(body, { error: { code: 'REFUSED_HERE', message: 'Refused by the domain', details: [{ field: 'x', message: 'why' }] } });
    }
  });

  test('429 RATE_LIMITED with Retry-After', async () => {
    const { status, body, headers } = await call('/limited');
    assert.equal(status, 429);
    assert.deepEqual(body, { error: { code: 'RATE_LIMITED', message: 'Too many requests; slow down' } });
    assert.equal(headers.get('retry-after'), '3');
  });

  test('an unavailable database or broker is 503 SERVICE_UNAVAILABLE, without its details', async () => {
    for (const path of ['/database-down', '/broker-down']) {
      const { status, body } = await call(path);
      assert.equal(status, 503, path);
      assert.deepEqual(body, { error: { code: 'SERVICE_UNAVAILABLE', message: 'A dependency is unavailable; try again shortly' } });
    }
  });

  test('an unknown error is 500 INTERNAL with nothing of it in the body, and is logged', async () => {
    for (const path of ['/boom', '/boom-not-an-error']) {
      const { status, body } = await call(path);
      assert.equal(status, 500);
      assert.deepEqual(body, { error: { code: 'INTERNAL', message: 'Internal error' } });
    }
    await eventually(() => lines().some((line) => line.msg === 'unhandled error' && JSON.stringify(line).includes('secret internals')));
  });

  test('the request id is echoed when sane, replaced when not', async () => {
    const sane = await call('/healthz', { headers: { 'x-request-id': 'abc-123.x' } });
    assert.equal(sane.headers.get('x-request-id'), 'abc-123.x');
    const insane = await call('/healthz', { headers: { 'x-request-id': 'no spaces " allowed' } });
    assert.match(insane.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const none = await call('/healthz');
    assert.match(none.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('one log line per request with id, status and duration, and never the token', async () => {
    const bearer = await token();
    const requestId = 'log-line-check-1';
    await call('/me?access_token=leak', { headers: { authorization: `Bearer ${bearer}`, 'x-request-id': requestId } });
    await eventually(() => lines().some((line) => line.requestId === requestId));
    const mine = lines().filter((line) => line.requestId === requestId);
    assert.equal(mine.length, 1);
    const [line] = mine;
    assert.equal(line!.msg, 'request');
    assert.equal(line!.status, 200);
    assert.equal(line!.path, '/me');
    assert.equal(line!.method, 'GET');
    assert.equal(typeof line!.durationMs, 'number');
    assert.equal(line!.tenantId, 'tenant-a');
    const everything = JSON.stringify(lines());
    assert.ok(!everything.includes(bearer), 'the token is never logged');
    assert.ok(!everything.includes('leak'), 'the query string is never logged');
  });

  test('the failure code is in the request line', async () => {
    await call('/limited', { headers: { 'x-request-id': 'log-line-check-2' } });
    await eventually(() => lines().some((line) => line.requestId === 'log-line-check-2'));
    const line = lines().find((entry) => entry.requestId === 'log-line-check-2');
    assert.equal(line?.errorCode, 'RATE_LIMITED');
    assert.equal(line?.status, 429);
  });

  test('/metrics serves the registry as Prometheus text, with request durations by route and status', async () => {
    await call('/things/0b7e7dd2-6a43-4a58-9a5c-1f7d0f0c1a11');
    const { status, headers, body } = await call('/metrics');
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(body as string, /# TYPE http_request_duration_seconds histogram/);
    assert.match(body as string, /http_request_duration_seconds_count\{service="test-service",method="GET",route="\/things\/:id",status="200"\} [1-9]/);
    assert.match(body as string, /http_request_duration_seconds_count\{service="test-service",method="PATCH",route="\(unmatched\)",status="404"\} 1/);
  });

  test('/readyz is 200 when every check passes, 503 naming those down (a hanging check times out)', async () => {
    const ready = await call('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { database: true, broker: true, slow: true } });

    readinessOk = false;
    const started = Date.now();
    const notReady = await call('/readyz');
    assert.ok(Date.now() - started < 1500, 'bounded by the check timeout');
    assert.equal(notReady.status, 503);
    assert.deepEqual(notReady.body, {
      status: 'not_ready',
      checks: { database: false, broker: true, slow: false },
      error: { code: 'SERVICE_UNAVAILABLE', message: 'Not ready: database, slow', details: { down: ['database', 'slow'] } },
    });
    readinessOk = true;
    assert.equal((await call('/readyz')).status, 200);
  });
});

describe('readiness given as one function', () => {
  test('a failing function reports not ready', async () => {
    const app = createHttpApp({
      service: 'one-function',
      logger: capturingLogger().logger,
      metrics: new Metrics('one-function', { processMetrics: false }),
      readiness: async () => {
        throw new Error('cannot tell');
      },
    });
    finishApp(app);
    const running = await serve(app, { port: 0, host: '127.0.0.1', logger: capturingLogger().logger, handleSignals: false });
    try {
      const response = await fetch(`http://127.0.0.1:${running.port}/readyz`);
      assert.equal(response.status, 503);
      assert.deepEqual(((await response.json()) as { checks: unknown }).checks, { readiness: false });
    } finally {
      await running.close();
    }
  });
});
