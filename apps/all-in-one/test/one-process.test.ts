/**
 * `npm start` with nothing configured: an embedded PostgreSQL, the in-process bus and the
 * in-memory adapter. It becomes ready, works end to end with dev tokens, and comes up again on
 * the data a killed run left behind, with nothing lost.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { io } from 'socket.io-client';
import { freePort, startServiceProcess, type StartedProcess } from '@chat/test-kit';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const started: StartedProcess[] = [];
let dataDir = '';

after(async () => {
  for (const process of started) await process.kill('SIGTERM');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startOneProcess(port: number, pgPort: number, consoleDir: string): Promise<StartedProcess> {
  const running = await startServiceProcess(
    entry,
    { DATABASE_URL: undefined, AMQP_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DEV_AUTH: undefined, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), CONSOLE_DIR: consoleDir },
    { port, timeoutMs: 120_000 },
  );
  started.push(running);
  return running;
}

async function call<T>(url: string, token: string | null, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

it('runs the whole system in one process and survives being killed', { timeout: 300_000 }, async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'chat-one-process-'));
  // The embedded PostgreSQL runs as an unprivileged user, who must be able to reach its data.
  await chmod(dataDir, 0o755);
  const consoleDir = path.join(dataDir, 'console');
  await import('node:fs/promises').then((fs) => fs.mkdir(consoleDir));
  await writeFile(path.join(consoleDir, 'index.html'), '<!doctype html><title>Support console</title>');
  const [port, pgPort] = [await freePort(), await freePort()];

  const first = await startOneProcess(port, pgPort, consoleDir);
  assert.match(await (await fetch(`${first.url}/`)).text(), /Support console/);
  const { body: agentToken } = await call<{ token: string }>(first.url, null, 'POST', '/api/chat/dev/token', { userId: 'agent-1', tenantId: 'acme', role: 'MANAGEMENT_TEAM', name: 'Ada' });
  const { body: customerToken } = await call<{ token: string }>(first.url, null, 'POST', '/api/chat/dev/token', { userId: 'cust-1', tenantId: 'acme', role: 'PARTICIPANT', name: 'Cy' });

  const created = await call<{ id: string }>(first.url, customerToken.token, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'Help', category: 'OTHER' });
  assert.equal(created.status, 201);
  const channelId = created.body.id;

  const socket = io(`${first.url}/chat`, { auth: { token: agentToken.token }, transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
  assert.deepEqual(await socket.timeout(5_000).emitWithAck('join_channel', { channelId }), { ok: true });
  const delivered = new Promise<{ message: { seq: number; content: string } }>((resolve) => socket.on('new_message', resolve));
  const sent = await call<{ seq: number }>(first.url, customerToken.token, 'POST', `/api/chat/channels/${channelId}/messages`, { content: 'hello' });
  assert.equal(sent.status, 201);
  assert.equal((await delivered).message.content, 'hello');
  socket.close();

  // Killed outright: the embedded server it started is left running on the data directory.
  await first.kill('SIGKILL');
  const second = await startOneProcess(port, pgPort, consoleDir);
  const history = await call<{ items: { content: string }[] }>(second.url, agentToken.token, 'GET', `/api/chat/channels/${channelId}/messages`);
  assert.equal(history.status, 200);
  assert.deepEqual(history.body.items.map((message) => message.content), ['hello']);
});
