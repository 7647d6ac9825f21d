/**
 * Dead letters in a running system. A poison event (valid in shape, impossible to apply: a
 * `channel.*` event whose channel belongs to another tenant than the envelope) reaches the
 * messaging service mid-stream: it is tried and retried, then dead-lettered, while messages and
 * other events keep flowing past it. A good event that meets a cut database link waits for it,
 * well past the retries a poison gets, and is applied once the link is back, with no operator.
 * The operator command lists the poison and replays it: it dies again, neither lost nor looped.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import { makeEnvelope, type Channel, type EventEnvelope, type Message } from '@chat/contracts';
import { amqpUrl, startCluster, waitFor, type Cluster } from '@chat/test-kit';
import { api } from '../system/helpers.ts';
import { eventsOfType, handledEvents, metric } from './support/probes.ts';
import { openCase, type Case } from './support/scene.ts';
import { closeBooks, readHistory, restSender, Traffic } from './support/traffic.ts';

const CLI = fileURLToPath(new URL('../../libs/event-bus/src/dead-letters-cli.ts', import.meta.url));
/** The messaging consumer's retries (the bus's default): four attempts over about ten seconds. */
const RETRIES_TIMEOUT_MS = 30_000;

interface DeadLetterList {
  count: number;
  deadLetters: { event: EventEnvelope; error: string | null; deadAt: string | null }[];
}

let cluster: Cluster;
let scene: Case;
const traffic = new Traffic();

before(async () => {
  cluster = await startCluster({ gateways: 1, links: { messaging: ['postgres'] } });
  scene = await openCase(cluster.url, 'poison');
});

after(async () => {
  await traffic.close();
  await cluster?.stop();
});

/** The operator command, as an operator runs it against this system's exchange. */
function deadLetters(command: 'list' | 'replay'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, command, 'messaging'], { env: { ...process.env, AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: cluster.exchange }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`dead-letters-cli ${command}: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** A `channel.assigned` of this tenant carrying a channel of another: no consumer can apply it. */
async function publishPoison(tenantId: string): Promise<EventEnvelope> {
  const poison = makeEnvelope('channel.assigned', tenantId, { userId: 'intruder', role: 'TENANT_ADMIN' }, {
    channel: {
      id: crypto.randomUUID(),
      tenantId: `${tenantId}-elsewhere`,
      type: 'TEAM',
      status: 'ACTIVE',
      name: 'not yours',
      createdBy: 'intruder',
      assignedTo: 'intruder',
      escalatedTo: null,
      participants: [{ userId: 'intruder', role: 'TENANT_ADMIN' }],
      revision: 1,
      updatedAt: new Date().toISOString(),
    },
    assignedTo: 'intruder',
  });
  const connection = await connect(amqpUrl());
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(cluster.exchange, poison.type, Buffer.from(JSON.stringify(poison)), { persistent: true, messageId: poison.id, type: poison.type, contentType: 'application/json' });
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
  return poison;
}

const deadLettered = () => metric(cluster.messaging.url, 'events_consumed_total', { consumer: 'messaging', outcome: 'dead_lettered' });
const retried = () => metric(cluster.messaging.url, 'events_consumed_total', { consumer: 'messaging', outcome: 'retried' });

it('dead-letters a poison event after its retries while the stream flows on, but not a good one that waits out a database outage; the operator replays the dead letters', async (t) => {
  const { url, customer, agent, admin, channel } = scene;
  await traffic.receiver(url, agent, channel.id);
  traffic.stream('customer-rest', restSender(url, customer, channel.id), { intervalMs: 50 });
  await traffic.flows(10);

  // The poison goes in; the rest of the stream, and other events to the same consumer, flow past it.
  const deadBefore = await deadLettered();
  const poison = await publishPoison(scene.tenant);
  const poisonedAt = Date.now();
  const escalated = await api<Channel>(url, agent, 'PUT', `/api/chat/channels/${channel.id}/escalate`, { reason: 'Needs the platform team' });
  assert.equal(escalated.status, 200);
  await waitFor(async () => {
    const events = await eventsOfType(cluster, 'channels', 'channel.escalated');
    return events.length === 1 && (await handledEvents(cluster, 'messaging', events)).size === 1;
  }, { what: 'messaging to apply the escalation' });
  const escalationAppliedAfterMs = Date.now() - poisonedAt;
  assert.ok(escalationAppliedAfterMs < 8_000, 'the escalation was applied while the poison was still being retried');
  await traffic.flows(20);
  await waitFor(async () => (await deadLettered()) === deadBefore + 1, { timeoutMs: RETRIES_TIMEOUT_MS, what: 'the poison to be dead-lettered' });
  const poisonRetriedMs = Date.now() - poisonedAt;
  assert.ok(poisonRetriedMs > 8_000, `dead-lettered after ${poisonRetriedMs} ms: its retries were skipped`);
  await traffic.flows(10);

  // A good event meets a cut database link: it waits past the four attempts a poison gets, and
  // is never dead-lettered...
  const database = cluster.link('messaging', 'postgres');
  const retriedBefore = await retried();
  database.cut();
  const cutAt = Date.now();
  try {
    const assigned = await api<Channel>(url, admin, 'PUT', `/api/chat/channels/${channel.id}/assign`, { assigneeId: agent.userId });
    assert.equal(assigned.status, 200);
    await waitFor(async () => (await retried()) >= retriedBefore + 4, { timeoutMs: RETRIES_TIMEOUT_MS, what: 'the assignment to fail four times' });
    assert.equal(await deadLettered(), deadBefore + 1, 'an event that only met an unavailable database was dead-lettered');
  } finally {
    database.restore();
  }
  const waitedForDatabaseMs = Date.now() - cutAt;
  const [assignment] = await eventsOfType(cluster, 'channels', 'channel.assigned');
  assert.ok(assignment);

  // ... and is applied once the link is back, with no operator, and told once.
  await waitFor(async () => (await handledEvents(cluster, 'messaging', [assignment])).size === 1, { timeoutMs: 20_000, what: 'the assignment to be applied after the outage' });
  const appliedAfterOutageMs = Date.now() - cutAt - waitedForDatabaseMs;
  const history = await readHistory(url, agent, channel.id);
  const told = history.filter((message: Message) => message.senderType === 'SYSTEM' && message.metadata?.event === 'channel.assigned');
  assert.equal(told.length, 1, 'the assignment is told in the conversation, once');

  // The operator lists the dead letters, with why they died: the poison alone...
  const listed = (await deadLetters('list')) as DeadLetterList;
  assert.deepEqual(listed.deadLetters.map((letter) => letter.event.id), [poison.id]);
  const poisonLetter = listed.deadLetters[0];
  assert.match(poisonLetter?.error ?? '', /carries a channel of tenant/);

  // ... and replays it: it dies again after its retries.
  assert.deepEqual(await deadLetters('replay'), { exchange: cluster.exchange, consumer: 'messaging', replayed: 1 });
  await waitFor(async () => (await deadLettered()) === deadBefore + 2, { timeoutMs: RETRIES_TIMEOUT_MS, what: 'the replayed poison to die again' });
  const after_ = (await deadLetters('list')) as DeadLetterList;
  assert.deepEqual(after_.deadLetters.map((letter) => letter.event.id), [poison.id], 'only the poison is left, once');
  assert.ok(Date.parse(after_.deadLetters[0]!.deadAt!) > Date.parse(poisonLetter!.deadAt!), 'it died again after the replay');

  await traffic.flows(5);
  await traffic.stop();
  for (const stream of traffic.streams) assert.deepEqual(stream.unexpected(), []);
  await closeBooks(
    t,
    'a poison event dead-lettered mid-stream and replayed; a good one waits out a cut database link',
    { url, reader: agent, channelId: channel.id, streams: traffic.streams, receivers: traffic.receivers },
    { poisonDeadLetteredAfterMs: poisonRetriedMs, escalationAppliedAfterMs, waitedForDatabaseMs, appliedAfterOutageMs },
  );
});
