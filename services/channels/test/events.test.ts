/**
 * Every change publishes its event once, through the outbox, on a real RabbitMQ (an exchange of
 * this test's own), with a full snapshot whose revision counts up in commit order; incoming
 * `ticket.sla_breached` and `message.created` are applied once each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventEnvelope } from '@chat/contracts';
import { createRabbitBus, type Consumer, type EventBus } from '@chat/event-bus';
import { silentLogger } from '@chat/telemetry';
import { amqpUrl, deleteAmqpTopology, uniqueExchange, waitFor } from '@chat/test-kit';
import { CONSUMER } from '../src/events/consumer.ts';
import { messageCreated, slaBreached } from './fixtures.ts';
import { createBody, startChannels, superAdmin, tenantCast, type ChannelsUnderTest } from './harness.ts';

const PROBE = 'probe';

describe('events on RabbitMQ', () => {
  const exchange = uniqueExchange('channels-events');
  let bus: EventBus;
  let probe: Consumer;
  let system: ChannelsUnderTest;
  const received: EventEnvelope[] = [];

  before(async () => {
    bus = await createRabbitBus({ url: amqpUrl(), exchange, logger: silentLogger(), connectTimeoutMs: 10_000 });
    probe = await bus.consume({ name: PROBE, patterns: ['channel.#'], prefetch: 1, handle: async (event) => void received.push(event) });
    system = await startChannels({ bus, prefix: 'channels_events' });
  });
  after(async () => {
    await system?.stop();
    await probe?.stop();
    await bus?.close();
    await deleteAmqpTopology({ exchange, consumers: [PROBE, CONSUMER] });
  });

  const eventsOf = (channelId: string) => received.filter((event) => 'channel' in event.data && event.data.channel.id === channelId);

  /** Waits for `count` events of the channel, then a little longer to catch any extra one. */
  async function settledEventsOf(channelId: string, count: number): Promise<EventEnvelope[]> {
    await waitFor(async () => eventsOf(channelId).length >= count, { timeoutMs: 15_000, what: `${count} events of ${channelId}` });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return eventsOf(channelId);
  }

  it('publishes each change of a channel once, with its fields and a full snapshot, in commit order', async () => {
    const cast = tenantCast();
    const platform = superAdmin();
    for (const user of [cast.manager, platform]) assert.equal((await system.as(user).get('/api/chat/channels')).status, 200);

    const created = await system.as(cast.customer).post(
      '/api/chat/channels',
      createBody('SUPPORT', { subject: 'Cannot log in', category: 'ACCOUNT', priority: 'HIGH', metadata: { app: 'ios' } }),
    );
    assert.equal(created.status, 201);
    const id: string = created.body.id;
    const path = `/api/chat/channels/${id}`;
    const expectOk = async (answer: Promise<{ status: number; body: unknown }>) => {
      const { status, body } = await answer;
      assert.equal(status, 200, JSON.stringify(body));
    };
    await expectOk(system.as(cast.admin).post(`${path}/participants`, { userId: cast.manager.userId }));
    await expectOk(system.as(cast.admin).post(`${path}/participants`, { userId: cast.manager.userId })); // no change, no event
    await expectOk(system.as(cast.admin).put(`${path}/assign`, { assigneeId: cast.manager.userId }));
    await expectOk(system.as(cast.admin).put(`${path}/assign`, { assigneeId: cast.manager.userId })); // no change, no event
    await expectOk(system.as(cast.manager).put(`${path}/escalate`, { reason: 'account locked by the platform', escalateTo: platform.userId }));
    await expectOk(system.as(cast.manager).put(`${path}/resolve`, { resolution: 'unlocked' }));
    await bus.publish([messageCreated(cast.tenantId, id, { senderId: cast.customer.userId })]);
    await waitFor(async () => (await system.as(cast.manager).get(path)).body.status === 'ACTIVE', { what: 'the reopen' });
    await expectOk(system.as(cast.admin).delete(`${path}/participants/${cast.manager.userId}`));
    const breach = slaBreached(cast.tenantId, id, 'RESOLUTION');
    await bus.publish([breach, breach]); // a redelivery escalates once
    await waitFor(async () => (await system.as(cast.admin).get(path)).body.status === 'ESCALATED', { what: 'the auto-escalation' });
    await bus.publish([slaBreached(cast.tenantId, id)]); // already escalated: left alone
    await expectOk(system.as(cast.admin).delete(path));

    const events = await settledEventsOf(id, 9);
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'channel.created',
        'channel.participant_added',
        'channel.assigned',
        'channel.escalated',
        'channel.resolved',
        'channel.reopened',
        'channel.participant_removed',
        'channel.escalated',
        'channel.archived',
      ],
    );
    assert.deepEqual(
      events.map((event) => ('channel' in event.data ? event.data.channel.revision : 0)),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(new Set(events.map((event) => event.id)).size, 9);
    for (const event of events) assert.equal(event.tenantId, cast.tenantId);

    const [createdEvent, addedEvent, assignedEvent, escalatedEvent, resolvedEvent, reopenedEvent, removedEvent, autoEscalatedEvent, archivedEvent] = events as [
      EventEnvelope,
      ...EventEnvelope[],
    ];
    assert.ok(createdEvent?.type === 'channel.created');
    assert.deepEqual(createdEvent.actor, { userId: cast.customer.userId, role: 'PARTICIPANT' });
    assert.deepEqual(createdEvent.data.ticket, { subject: 'Cannot log in', category: 'ACCOUNT', priority: 'HIGH' });
    assert.deepEqual(createdEvent.data.metadata, { app: 'ios' });
    assert.deepEqual(createdEvent.data.channel.participants, [{ userId: cast.customer.userId, role: 'PARTICIPANT' }]);
    assert.equal(createdEvent.data.channel.status, 'ACTIVE');
    assert.equal(createdEvent.data.channel.type, 'SUPPORT');
    assert.equal(createdEvent.data.channel.createdBy, cast.customer.userId);

    assert.ok(addedEvent?.type === 'channel.participant_added');
    assert.equal(addedEvent.data.userId, cast.manager.userId);
    assert.deepEqual(addedEvent.actor, { userId: cast.admin.userId, role: 'TENANT_ADMIN' });
    assert.deepEqual(
      addedEvent.data.channel.participants.map((p) => [p.userId, p.role]),
      [
        [cast.customer.userId, 'PARTICIPANT'],
        [cast.manager.userId, 'MANAGEMENT_TEAM'],
      ],
    );

    assert.ok(assignedEvent?.type === 'channel.assigned');
    assert.equal(assignedEvent.data.assignedTo, cast.manager.userId);
    assert.equal(assignedEvent.data.channel.assignedTo, cast.manager.userId);

    assert.ok(escalatedEvent?.type === 'channel.escalated');
    assert.equal(escalatedEvent.data.escalatedTo, platform.userId);
    assert.equal(escalatedEvent.data.reason, 'account locked by the platform');
    assert.equal(escalatedEvent.data.automatic, false);
    assert.equal(escalatedEvent.data.channel.status, 'ESCALATED');
    assert.ok(escalatedEvent.data.channel.participants.some((p) => p.userId === platform.userId && p.role === 'SUPER_ADMIN'));

    assert.ok(resolvedEvent?.type === 'channel.resolved');
    assert.equal(resolvedEvent.data.resolution, 'unlocked');
    assert.equal(resolvedEvent.data.channel.status, 'RESOLVED');

    assert.ok(reopenedEvent?.type === 'channel.reopened');
    assert.deepEqual(reopenedEvent.actor, { userId: 'system', role: 'SYSTEM' });
    assert.equal(reopenedEvent.data.channel.status, 'ACTIVE');

    assert.ok(removedEvent?.type === 'channel.participant_removed');
    assert.equal(removedEvent.data.userId, cast.manager.userId);
    assert.ok(!removedEvent.data.channel.participants.some((p) => p.userId === cast.manager.userId));

    assert.ok(autoEscalatedEvent?.type === 'channel.escalated');
    assert.equal(autoEscalatedEvent.data.automatic, true);
    assert.deepEqual(autoEscalatedEvent.actor, { userId: 'system', role: 'SYSTEM' });
    assert.match(autoEscalatedEvent.data.reason, /SLA/);

    assert.ok(archivedEvent?.type === 'channel.archived');
    assert.equal(archivedEvent.data.channel.status, 'ARCHIVED');
  });

  it('opens the ticket with priority MEDIUM by default, and no ticket for other types', async () => {
    const cast = tenantCast();
    const support = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT', { subject: 'Refund', category: 'BILLING' }));
    const team = await system.as(cast.admin).post('/api/chat/channels', createBody('TEAM'));
    const [supportCreated] = await settledEventsOf(support.body.id, 1);
    const [teamCreated] = eventsOf(team.body.id);
    assert.ok(supportCreated?.type === 'channel.created');
    assert.deepEqual(supportCreated.data.ticket, { subject: 'Refund', category: 'BILLING', priority: 'MEDIUM' });
    assert.ok(teamCreated?.type === 'channel.created');
    assert.equal(teamCreated.data.ticket, null);
  });

  it('serialises concurrent changes of one channel: revisions without gaps, delivered in order', async () => {
    const cast = tenantCast();
    const created = await system.as(cast.admin).post('/api/chat/channels', createBody('TOURNAMENT'));
    const path = `/api/chat/channels/${created.body.id}/participants`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => system.as(cast.admin).post(path, { userId: `player-${index}` })));
    assert.deepEqual(answers.map((answer) => answer.status), Array(20).fill(200));
    const events = await settledEventsOf(created.body.id, 21);
    assert.deepEqual(
      events.map((event) => ('channel' in event.data ? event.data.channel.revision : 0)),
      Array.from({ length: 21 }, (_, index) => index + 1),
    );
    const last = events.at(-1);
    assert.ok(last?.type === 'channel.participant_added');
    assert.equal(last.data.channel.participants.length, 21);
  });

  it('reopens only on a participant\'s message written after the resolution, and leaves other messages be', async () => {
    const cast = tenantCast();
    const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    const id: string = created.body.id;
    const path = `/api/chat/channels/${id}`;
    const before = new Date(Date.now() - 5_000).toISOString();
    assert.equal((await system.as(cast.manager).put(`${path}/resolve`, {})).status, 200);
    await bus.publish([
      messageCreated(cast.tenantId, id, { senderId: cast.manager.userId, senderType: 'MANAGEMENT_TEAM' }),
      messageCreated(cast.tenantId, id, { senderId: 'system', senderType: 'SYSTEM' }),
      messageCreated(cast.tenantId, id, { senderId: cast.customer.userId, createdAt: before }), // late: written before the resolution
    ]);
    const events = await settledEventsOf(id, 2);
    assert.deepEqual(events.map((event) => event.type), ['channel.created', 'channel.resolved']);
    assert.equal((await system.as(cast.manager).get(path)).body.status, 'RESOLVED');

    const reopen = messageCreated(cast.tenantId, id, { senderId: cast.customer.userId });
    await bus.publish([reopen, reopen]);
    const after = await settledEventsOf(id, 3);
    assert.deepEqual(after.map((event) => event.type), ['channel.created', 'channel.resolved', 'channel.reopened']);
  });

  it('ignores an SLA breach of a channel that is resolved, archived, or of another tenant', async () => {
    const cast = tenantCast();
    const resolved = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    const archived = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    const foreign = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    assert.equal((await system.as(cast.admin).put(`/api/chat/channels/${resolved.body.id}/resolve`, {})).status, 200);
    assert.equal((await system.as(cast.admin).delete(`/api/chat/channels/${archived.body.id}`)).status, 200);
    await bus.publish([
      slaBreached(cast.tenantId, resolved.body.id),
      slaBreached(cast.tenantId, archived.body.id),
      slaBreached('some-other-tenant', foreign.body.id),
    ]);
    assert.deepEqual((await settledEventsOf(resolved.body.id, 2)).map((event) => event.type), ['channel.created', 'channel.resolved']);
    assert.deepEqual(eventsOf(archived.body.id).map((event) => event.type), ['channel.created', 'channel.archived']);
    assert.deepEqual(eventsOf(foreign.body.id).map((event) => event.type), ['channel.created']);
    assert.equal((await system.as(cast.admin).get(`/api/chat/channels/${foreign.body.id}`)).body.status, 'ACTIVE');
  });
});
