/**
 * The machine's PostgreSQL stopped for a few seconds and started again (under the shared-services
 * lock) while the services carry traffic. Each service's `/readyz` says so within two seconds;
 * every request that needs the database answers a clean 503 in the error shape meanwhile (never a
 * 500, never a stack trace); and afterwards everything works again in the same processes.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Channel, Ticket } from '@chat/contracts';
import { canRestartSharedService, restartSharedService, startCluster, waitFor, type Cluster } from '@chat/test-kit';
import { api, type Actor } from '../system/helpers.ts';
import { firstNotReady, watchReadiness } from './support/probes.ts';
import { openCase, ticketReaches, type Case } from './support/scene.ts';
import { closeBooks, Traffic } from './support/traffic.ts';

const OUTAGE_MS = 4_000;

let cluster: Cluster;
let scene: Case;
const traffic = new Traffic();

before(async () => {
  cluster = await startCluster({ gateways: 1 });
  scene = await openCase(cluster.url, 'postgres');
});

after(async () => {
  await traffic.close();
  await cluster?.stop();
});

/** A request that needs one service's database, as its caller makes it. */
interface Probe {
  who: () => Actor;
  method: string;
  path: () => string;
  body?: unknown;
}

it('reports the database down, answers 503 meanwhile and works again without a restart', async (t) => {
  if (!(await canRestartSharedService('postgres'))) return t.skip("needs the machine's pg_ctlcluster and flock");
  const { url, customer, agent, admin, channel, ticket } = scene;
  await traffic.customerAndAgent(url, scene, channel.id);
  await traffic.flows(10);

  const services = { channels: cluster.channels, messaging: cluster.messaging, tickets: cluster.tickets };
  const pids = Object.fromEntries(Object.entries(services).map(([name, process]) => [name, process.child.pid]));
  const readiness = Object.fromEntries(Object.entries(services).map(([name, process]) => [name, traffic.keep(watchReadiness(process.url))]));
  const probes: Probe[] = [
    { who: () => admin, method: 'GET', path: () => `/api/chat/channels/${channel.id}` },
    { who: () => admin, method: 'GET', path: () => '/api/chat/channels' },
    { who: () => customer, method: 'POST', path: () => '/api/chat/channels', body: { type: 'SUPPORT', subject: 'During the outage', category: 'OTHER' } },
    { who: () => agent, method: 'GET', path: () => `/api/chat/channels/${channel.id}/messages?afterSeq=0` },
    { who: () => agent, method: 'POST', path: () => `/api/chat/channels/${channel.id}/notes`, body: { content: 'noted' } },
    { who: () => admin, method: 'GET', path: () => `/api/chat/tickets/${ticket.id}` },
    { who: () => admin, method: 'GET', path: () => '/api/chat/users' },
    { who: () => admin, method: 'GET', path: () => '/api/chat/sla-policy' },
  ];
  const answersWhileDown: { path: string; status: number; body: string }[] = [];

  const outage = restartSharedService('postgres', OUTAGE_MS);
  try {
    const down = await outage.stopped;
    let over = false;
    void outage.over.finally(() => (over = true));
    while (!over) {
      for (const probe of probes) {
        const response = await fetch(`${url}${probe.path()}`, {
          method: probe.method,
          headers: { authorization: `Bearer ${probe.who().token}`, 'content-type': 'application/json' },
          body: probe.body === undefined ? undefined : JSON.stringify(probe.body),
        }).catch(() => undefined);
        if (Date.now() - down < OUTAGE_MS - 500 && response) answersWhileDown.push({ path: `${probe.method} ${probe.path()}`, status: response.status, body: await response.text() });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await outage.over.catch((error: unknown) => t.diagnostic(`restart: ${String(error)}`));
  }
  const down = await outage.stopped;
  const back = await outage.over;

  // Meanwhile: readiness said so within two seconds, every answer was a clean 503.
  for (const [name, watch] of Object.entries(readiness)) {
    const first = firstNotReady(watch.samples, down);
    assert.ok(first, `${name} never reported the database down`);
    assert.ok(first.at - down <= 2_000, `${name} took ${first.at - down} ms to report the database down`);
    assert.equal(first.status, 503);
  }
  assert.ok(answersWhileDown.length >= probes.length, `only ${answersWhileDown.length} answers while the database was down`);
  for (const answer of answersWhileDown) {
    assert.equal(answer.status, 503, `${answer.path} answered ${answer.status}: ${answer.body}`);
    assert.deepEqual(Object.keys(JSON.parse(answer.body) as object), ['error'], answer.path);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
    assert.doesNotMatch(answer.body, /ECONNREFUSED|5432|\.ts:\d+|postgres/i, `${answer.path} tells internals`);
  }

  // Afterwards: the same processes serve again, without being restarted.
  await waitFor(async () => (await Promise.all(Object.values(services).map((process) => fetch(`${process.url}/readyz`)))).every((response) => response.status === 200), {
    timeoutMs: 30_000,
    what: 'every service ready again',
  });
  const readyAgainMs = Date.now() - back;
  for (const [name, process] of Object.entries(services)) {
    assert.equal(process.child.pid, pids[name], `${name} was replaced`);
    assert.equal(process.child.exitCode, null, `${name} exited`);
  }
  const opened = await api<Channel>(url, customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'After the outage', category: 'OTHER' });
  assert.equal(opened.status, 201);
  await waitFor(async () => (await api<{ items: Ticket[] }>(url, admin, 'GET', `/api/chat/tickets?channelId=${opened.body.id}`)).body.items[0], { what: 'its ticket to open' });
  assert.equal((await api(url, admin, 'PUT', `/api/chat/channels/${channel.id}/assign`, { assigneeId: agent.userId })).status, 200);
  await ticketReaches(url, admin, ticket.id, 'IN_PROGRESS');
  await traffic.flows(10, 30_000);
  await traffic.stop();

  for (const stream of traffic.streams) assert.deepEqual(stream.unexpected(), [], `${stream.name}: answers other than 201, 503 or none`);
  await closeBooks(
    t,
    'PostgreSQL stopped 4 s (pg_ctlcluster stop -m fast / start)',
    { url, reader: agent, channelId: channel.id, streams: traffic.streams, receivers: traffic.receivers },
    { outageMs: back - down, answersWhileDown: answersWhileDown.length, readyAgainMs },
  );
});
