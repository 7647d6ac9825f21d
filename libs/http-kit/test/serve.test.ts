import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Metrics, silentLogger } from '@chat/telemetry';
import { createHttpApp, finishApp, serve } from '@chat/http-kit';
import { eventually } from './helpers.ts';

/** A GET over a fresh connection (no keep-alive agent), resolving to status and body, or the socket error. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function appWithSlowRoute(events: string[] = []) {
  const app = createHttpApp({ service: 'serve-test', logger: silentLogger(), metrics: new Metrics('serve-test', { processMetrics: false }) });
  const entered: (() => void)[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  app.get('/slow', async (_req, res) => {
    for (const wake of entered.splice(0)) wake();
    await released;
    res.json({ finished: true });
    events.push('response sent');
  });
  app.get('/stuck', () => new Promise(() => {}));
  finishApp(app);
  const started = () => new Promise<void>((resolve) => entered.push(resolve));
  return { app, started, release };
}

test('close(): stops accepting, turns not ready, lets the in-flight request finish, then runs onShutdown', async () => {
  const events: string[] = [];
  const { app, started, release } = appWithSlowRoute(events);
  const running = await serve(app, {
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    handleSignals: false,
    onShutdown: async () => {
      events.push('onShutdown');
    },
  });
  // A second listener on the same app lets the test watch readiness while the first one drains.
  const observer = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => observer.once('listening', resolve));
  const observerPort = (observer.address() as AddressInfo).port;
  try {
    assert.equal((await get(observerPort, '/readyz')).status, 200);
    const entered = started();
    const inFlight = get(running.port, '/slow');
    await entered;

    const closing = running.close().then(() => events.push('closed'));
    await eventually(() => !running.server.listening);
    await assert.rejects(get(running.port, '/healthz'), /ECONNREFUSED/);
    const readiness = await get(observerPort, '/readyz');
    assert.equal(readiness.status, 503);
    assert.equal(JSON.parse(readiness.body).status, 'draining');
    assert.deepEqual(events, [], 'nothing shuts down while a request is in flight');

    release();
    const answered = await inFlight;
    assert.equal(answered.status, 200);
    assert.deepEqual(JSON.parse(answered.body), { finished: true });
    await closing;
    assert.deepEqual(events, ['response sent', 'onShutdown', 'closed']);
    await running.close(); // idempotent
  } finally {
    observer.close();
  }
});

test('close(): a request that never ends is cut after the drain timeout', async () => {
  const { app } = appWithSlowRoute();
  let shutdownRan = false;
  const running = await serve(app, {
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    handleSignals: false,
    drainTimeoutMs: 200,
    onShutdown: async () => {
      shutdownRan = true;
    },
  });
  const stuck = get(running.port, '/stuck');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  await running.close();
  const took = Date.now() - started;
  assert.ok(took >= 150 && took < 2000, `drain waited about 200 ms, took ${took}`);
  assert.ok(shutdownRan);
  await assert.rejects(stuck, /socket hang up|ECONNRESET/);
});

test('SIGTERM drains the in-flight request, runs onShutdown and exits 0', async () => {
  const fixture = fileURLToPath(new URL('./fixtures/serve-with-signals.ts', import.meta.url));
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(() => /listening \d+/.test(output), 10_000);
    const port = Number(/listening (\d+)/.exec(output)![1]);
    const slow = get(port, '/slow');
    await eventually(() => output.includes('slow-started'));
    child.kill('SIGTERM');
    const answered = await slow;
    assert.equal(answered.status, 200);
    assert.equal(await exited, 0);
    assert.match(output, /shutdown-ran/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
