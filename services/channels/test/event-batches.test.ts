/**
 * Messages that reach the channels service together are applied as one batch (one transaction,
 * one activity update for all their channels) with the meaning they have one by one: a resolved
 * channel reopens once, on a participant's message, whatever else came with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventEnvelope } from '@chat/contracts';
import { createRabbitBus, type Consumer, type EventBus } from '@chat/event-bus';
import { Metrics, silentLogger } from '@chat/telemetry';
import { amqpUrl, deleteAmqpTopology, uniqueExchange, waitFor } from '@chat/test-kit';
import { CONSUMER } from '../src/events/consumer.ts';
import { messageCreated, slaBreached } from './fixtures.ts';
import { createBody, startChannels, tenantCast, type ChannelsUnderTest } from './harness.ts';

const PROBE = 'batch-probe';

describe('message events arriving together', () => {
  const exchange = uniqueExchange('channels-batches');
  let bus: EventBus;
  let probe: Consumer;
  let system: ChannelsUnderTest;
  const received: EventEnvelope[] = [];
  const busMetrics = new Metrics('channels-batches', { processMetrics: false });

  before(async () => {
    bus = await createRabbitBus({ url: amqpUrl(), exchange, logger: silentLogger(), metrics: busMetrics, connectTimeoutMs: 10_000 });
    probe = await bus.consume({ name: PROBE, patterns: ['channel.#'], handle: async (event) => void received.push(event) });
    system = await startChannels({ bus, prefix: 'channels_batches' });
  });
  after(async () => {
    await system?.stop();
    await probe?.stop();
    await bus?.close();
    await deleteAmqpTopology({ exchange, consumers: [PROBE, CONSUMER] });
  });

  const typesOf = (channelId: string) => received.filter((event) => 'channel' in event.data && event.data.channel.id === channelId).map((event) => event.type);

  it('reopens each resolved channel once, on a participant message only, and escalates in turn', async () => {
    const cast = tenantCast();
    const open = async () => (await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'))).body.id as string;
    const [reopened, staffOnly, active, breached] = [await open(), await open(), await open(), await open()];
    for (const id of [reopened, staffOnly, breached]) assert.equal((await system.as(cast.manager).put(`/api/chat/channels/${id}/resolve`, {})).status, 200);
    await waitFor(async () => [reopened, staffOnly, breached].every((id) => typesOf(id).includes('channel.resolved')), { what: 'the resolutions' });

    const staff = { senderId: cast.manager.userId, senderType: 'MANAGEMENT_TEAM' as const };
    const customer = { senderId: cast.customer.userId };
    const burst: EventEnvelope[] = [
      ...Array.from({ length: 4 }, () => messageCreated(cast.tenantId, reopened, customer)),
      ...Array.from({ length: 4 }, () => messageCreated(cast.tenantId, staffOnly, staff)),
      ...Array.from({ length: 4 }, () => messageCreated(cast.tenantId, active, customer)),
      // A breach on a resolved channel changes nothing; the message after it reopens it.
      slaBreached(cast.tenantId, breached),
      messageCreated(cast.tenantId, breached, customer),
    ];
    await bus.publish(burst);
    await waitFor(async () => typesOf(reopened).includes('channel.reopened') && typesOf(breached).includes('channel.reopened'), { what: 'the reopenings' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    assert.deepEqual(typesOf(reopened), ['channel.created', 'channel.resolved', 'channel.reopened']);
    assert.deepEqual(typesOf(staffOnly), ['channel.created', 'channel.resolved']);
    assert.deepEqual(typesOf(active), ['channel.created']);
    assert.deepEqual(typesOf(breached), ['channel.created', 'channel.resolved', 'channel.reopened']);
    // They did come as batches, and no batch had to be handed back.
    const metrics = await busMetrics.registry.metrics();
    assert.match(metrics, /event_batch_size_count\{[^}]*consumer="channels",outcome="handled"[^}]*\} [1-9]/);
    assert.doesNotMatch(metrics, /event_batch_size_count\{[^}]*consumer="channels",outcome="fell_back"[^}]*\} [1-9]/);
    const statusOf = async (id: string) => (await system.as(cast.manager).get(`/api/chat/channels/${id}`)).body.status as string;
    assert.deepEqual(await Promise.all([reopened, staffOnly, active, breached].map(statusOf)), ['ACTIVE', 'RESOLVED', 'ACTIVE', 'ACTIVE']);
  });
});
