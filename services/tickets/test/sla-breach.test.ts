import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { EventEnvelope, Ticket } from '@chat/contracts';
import { createRabbitBus, type EventBus } from '@chat/event-bus';
import type { RunningService } from '@chat/service-runtime';
import { amqpUrl, createTestDatabase, deleteAmqpTopology, uniqueExchange, type TestDatabase } from '@chat/test-kit';
import { ChannelScript } from './support/channel-script.ts';
import { clientOf, EventRecorder, eventually, sleep, startTickets, tenantCast, testLogger } from './support/harness.ts';

/**
 * Two instances of the service on one database, each with its own broker connection and an SLA
 * scheduler scanning every 100 ms: every breach is published exactly once.
 */
let database: TestDatabase;
let exchange: string;
const buses: EventBus[] = [];
const instances: RunningService[] = [];
let recorder: EventRecorder;

before(async () => {
  database = await createTestDatabase('tickets_sla');
  exchange = uniqueExchange('tickets-sla');
  for (let index = 0; index < 2; index++) buses.push(await createRabbitBus({ url: amqpUrl(), exchange, logger: testLogger('bus') }));
  recorder = await EventRecorder.start(buses[0]!, 'recorder', ['ticket.*']);
  instances.push(...(await Promise.all(buses.map((bus) => startTickets({ databaseUrl: database.url, bus, slaScanIntervalMs: 100 })))));
});

after(async () => {
  for (const instance of instances) await instance.stop();
  await recorder?.stop();
  for (const bus of buses) await bus.close();
  if (exchange) await deleteAmqpTopology({ exchange, consumers: ['tickets', 'recorder'] });
  await database?.drop();
});

const breachesOf = (ticketId: string) => recorder.of('ticket.sla_breached', (event) => event.data.ticketId === ticketId);

it('fires each breach once across two scheduler instances, and none for answered, resolved or escalated cases', async () => {
  const cast = tenantCast();
  const [first, second] = instances.map((instance) => instance.url);
  // Seconds instead of minutes, so that the promises break while the test watches.
  const targets = {
    URGENT: { firstResponseMinutes: 0.02, resolutionMinutes: 0.04 },
    HIGH: { firstResponseMinutes: 60, resolutionMinutes: 480 },
    MEDIUM: { firstResponseMinutes: 240, resolutionMinutes: 1_440 },
    LOW: { firstResponseMinutes: 480, resolutionMinutes: 2_880 },
  };
  const put = await clientOf(first!, cast.admin).put('/api/chat/sla-policy', { targets });
  assert.equal(put.status, 200);

  const urgent = { subject: 'Down', category: 'TECHNICAL' as const, priority: 'URGENT' as const };
  const ignored = Array.from({ length: 20 }, () => new ChannelScript(cast.customer));
  const answered = new ChannelScript(cast.customer);
  const escalated = new ChannelScript(cast.customer);
  const relaxed = new ChannelScript(cast.customer);
  // Each channel's events in order on one connection (as the outbox publishes them), the
  // channels spread over both instances' connections.
  const sequences: EventEnvelope[][] = [
    ...ignored.map((channel) => [channel.created(cast.customer, urgent)]),
    [answered.created(cast.customer, urgent), answered.message(cast.manager, 'Right here'), answered.resolved(cast.manager, 'Done in a flash')],
    [escalated.created(cast.customer, urgent), escalated.escalated(cast.manager, 'Platform issue')],
    [relaxed.created(cast.customer, { ...urgent, priority: 'LOW' })],
  ];
  await Promise.all(sequences.map((sequence, index) => buses[index % 2]!.publish(sequence)));

  const tickets = await eventually(async () => {
    const answer = await clientOf(second!, cast.manager).get<{ items: Ticket[] }>('/api/chat/tickets?limit=200');
    return answer.body.items.length === 23 && answer.body.items;
  }, 'the 23 tickets');
  const ticketOf = (channel: ChannelScript) => tickets.find((ticket) => ticket.channelId === channel.id)!;

  for (const channel of ignored) {
    const ticket = ticketOf(channel);
    await eventually(async () => breachesOf(ticket.id).length >= 2, `both breaches of ticket ${ticket.number}`);
  }
  // Many more scans by both instances: nothing fires twice.
  await sleep(1_500);

  for (const channel of ignored) {
    const ticket = ticketOf(channel);
    const fired = breachesOf(ticket.id);
    assert.deepEqual(fired.map((event) => event.data.kind).sort(), ['FIRST_RESPONSE', 'RESOLUTION'], `ticket ${ticket.number}`);
    const byKind = Object.fromEntries(fired.map((event) => [event.data.kind, event]));
    assert.equal(byKind.FIRST_RESPONSE?.data.dueAt, ticket.firstResponseDueAt);
    assert.equal(byKind.RESOLUTION?.data.dueAt, ticket.resolutionDueAt);
    assert.equal(byKind.FIRST_RESPONSE?.data.channelId, channel.id);
    assert.equal(byKind.FIRST_RESPONSE?.tenantId, cast.tenantId);
    assert.equal(byKind.FIRST_RESPONSE?.actor.role, 'SYSTEM');
  }
  for (const channel of [answered, escalated, relaxed]) assert.deepEqual(breachesOf(ticketOf(channel).id), [], channel.id);

  const [row] = (await instances[0]!.context.db.dataSource.query('SELECT count(*)::int AS n FROM sla_breaches')) as { n: number }[];
  assert.equal(row?.n, 40);
  assert.equal(recorder.of('ticket.sla_breached').length, 40);
});

it('a due time moved by a new priority is a new promise, breached once in its turn', async () => {
  const cast = tenantCast();
  const [first] = instances.map((instance) => instance.url);
  const targets = {
    URGENT: { firstResponseMinutes: 0.01, resolutionMinutes: 1_000 },
    HIGH: { firstResponseMinutes: 0.02, resolutionMinutes: 1_000 },
    MEDIUM: { firstResponseMinutes: 240, resolutionMinutes: 1_440 },
    LOW: { firstResponseMinutes: 480, resolutionMinutes: 2_880 },
  };
  assert.equal((await clientOf(first!, cast.admin).put('/api/chat/sla-policy', { targets })).status, 200);
  const channel = new ChannelScript(cast.customer);
  await buses[0]!.publish([channel.created(cast.customer, { subject: 'Slow', category: 'TECHNICAL', priority: 'URGENT' })]);
  const ticket = await eventually(async () => (await clientOf(first!, cast.manager).get<{ items: Ticket[] }>(`/api/chat/tickets?channelId=${channel.id}`)).body.items[0], 'the ticket');
  await eventually(async () => breachesOf(ticket.id).length === 1, 'the URGENT breach');

  const patched = await clientOf(first!, cast.manager).patch<Ticket>(`/api/chat/tickets/${ticket.id}`, { priority: 'HIGH' });
  assert.equal(patched.status, 200);
  assert.notEqual(patched.body.firstResponseDueAt, ticket.firstResponseDueAt);
  await eventually(async () => breachesOf(ticket.id).length === 2, 'the HIGH breach');
  await sleep(800);
  assert.deepEqual(breachesOf(ticket.id).map((event) => event.data.dueAt), [ticket.firstResponseDueAt, patched.body.firstResponseDueAt]);
});
