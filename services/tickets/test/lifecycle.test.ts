import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventEnvelope, Ticket, TicketWithHistory } from '@chat/contracts';
import { createRabbitBus, type EventBus } from '@chat/event-bus';
import type { RunningService } from '@chat/service-runtime';
import { amqpUrl, createTestDatabase, deleteAmqpTopology, uniqueExchange, type TestDatabase } from '@chat/test-kit';
import { isStaffSender } from '../src/domain/first-response.ts';
import { ChannelScript } from './support/channel-script.ts';
import { clientOf, EventRecorder, eventually, sleep, startTickets, superAdmin, tenantCast, testLogger, type TestUser } from './support/harness.ts';

/**
 * A ticket follows its channel through events published on a real RabbitMQ exchange, as the
 * channels and messaging services publish them; repeats and stragglers leave it as it was.
 */
let database: TestDatabase;
let exchange: string;
let bus: EventBus;
let recorder: EventRecorder;
let service: RunningService;

before(async () => {
  database = await createTestDatabase('tickets_lifecycle');
  exchange = uniqueExchange('tickets-lifecycle');
  bus = await createRabbitBus({ url: amqpUrl(), exchange, logger: testLogger('bus') });
  recorder = await EventRecorder.start(bus, 'recorder', ['ticket.*']);
  service = await startTickets({ databaseUrl: database.url, bus });
});

after(async () => {
  await service?.stop();
  await recorder?.stop();
  await bus?.close();
  if (exchange) await deleteAmqpTopology({ exchange, consumers: ['tickets', 'recorder'] });
  await database?.drop();
});

const publish = (...events: EventEnvelope[]) => bus.publish(events);

async function ticketOf(user: TestUser, channelId: string): Promise<Ticket | undefined> {
  const answer = await clientOf(service.url, user).get<{ items: Ticket[] }>(`/api/chat/tickets?channelId=${channelId}`);
  assert.equal(answer.status, 200);
  return answer.body.items[0];
}

async function detailOf(user: TestUser, ticketId: string): Promise<TicketWithHistory> {
  const answer = await clientOf(service.url, user).get<TicketWithHistory>(`/api/chat/tickets/${ticketId}`);
  assert.equal(answer.status, 200);
  return answer.body;
}

/** Waits until the channel's ticket, as `user` sees it, satisfies `ready`. */
function ticketWhen(user: TestUser, channelId: string, ready: (ticket: Ticket) => boolean, what: string): Promise<Ticket> {
  return eventually(async () => {
    const ticket = await ticketOf(user, channelId);
    return ticket !== undefined && ready(ticket) ? ticket : undefined;
  }, what);
}

/**
 * Waits until the consumer has recorded these events as handled (applied or found to change
 * nothing). Messages from anyone but staff leave no record: they pass without the inbox.
 */
async function handled(events: EventEnvelope[]): Promise<void> {
  const ids = events.filter((event) => event.type !== 'message.created' || isStaffSender(event.data.message.senderType)).map((event) => event.id);
  await eventually(async () => {
    const [row] = (await service.context.db.dataSource.query(`SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'tickets' AND event_id = ANY($1::uuid[])`, [ids])) as { n: number }[];
    return row?.n === ids.length;
  }, `${ids.length} events to be handled`);
}

describe('a ticket following its channel', () => {
  const cast = tenantCast();
  const platform = superAdmin();
  const channel = new ChannelScript(cast.customer);
  const played: EventEnvelope[] = [];
  const play = async (event: EventEnvelope) => {
    played.push(event);
    await publish(event);
  };
  let ticketId = '';

  it('opens with the request, a number and SLA due times from the default policy', async () => {
    const created = channel.created(cast.customer, { subject: 'Cannot log in', category: 'ACCOUNT', priority: 'HIGH' });
    await play(created);
    const ticket = await ticketWhen(cast.manager, channel.id, () => true, 'the ticket to open');
    ticketId = ticket.id;
    assert.equal(ticket.number, 1);
    assert.equal(ticket.status, 'OPEN');
    assert.equal(ticket.subject, 'Cannot log in');
    assert.equal(ticket.category, 'ACCOUNT');
    assert.equal(ticket.priority, 'HIGH');
    assert.equal(ticket.tenantId, cast.tenantId);
    assert.equal(ticket.createdBy, cast.customer.userId);
    assert.equal(ticket.createdAt, created.occurredAt);
    assert.equal(ticket.firstResponseAt, null);
    const opened = Date.parse(created.occurredAt);
    assert.equal(Date.parse(ticket.firstResponseDueAt!), opened + 60 * 60_000);
    assert.equal(Date.parse(ticket.resolutionDueAt!), opened + 480 * 60_000);
    const openedEvents = await eventually(async () => recorder.of('ticket.opened', (event) => event.data.ticket.id === ticketId).length === 1 && recorder.of('ticket.opened', (event) => event.data.ticket.id === ticketId), 'ticket.opened');
    assert.equal(openedEvents[0]?.data.ticket.number, 1);
    assert.equal(openedEvents[0]?.data.ticket.firstResponseDueAt, ticket.firstResponseDueAt);
  });

  it('takes the first staff message as the first response, not the customer’s own', async () => {
    await play(channel.message(cast.customer, 'hello?', new Date(Date.now() - 2_000)));
    await play(channel.assigned(cast.admin, cast.manager));
    const assigned = await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'IN_PROGRESS', 'IN_PROGRESS');
    assert.equal(assigned.assignedTo, cast.manager.userId);
    assert.equal(assigned.firstResponseAt, null);

    const answer = channel.message(cast.manager, 'On it');
    await play(answer);
    const answered = await ticketWhen(cast.manager, channel.id, (ticket) => ticket.firstResponseAt !== null, 'the first response');
    assert.equal(answered.firstResponseAt, answer.data.message.createdAt);

    // A later staff message does not move it.
    await play(channel.message(cast.admin, 'Me too', new Date(Date.now() + 1_000)));
    await sleep(300);
    assert.equal((await ticketOf(cast.manager, channel.id))?.firstResponseAt, answer.data.message.createdAt);
  });

  it('escalates, resolves, reopens to IN_PROGRESS while assigned, and closes when archived', async () => {
    await play(channel.escalated(cast.manager, 'Needs the platform team', platform));
    const escalated = await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'ESCALATED', 'ESCALATED');
    assert.equal(escalated.escalatedTo, platform.userId);

    const resolve = channel.resolved(platform, 'Reset the password');
    await play(resolve);
    const resolved = await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'RESOLVED', 'RESOLVED');
    assert.equal(resolved.resolution, 'Reset the password');
    assert.equal(resolved.resolvedBy, platform.userId);
    assert.equal(resolved.resolvedAt, resolve.occurredAt);

    const reopen = channel.reopened(cast.customer);
    await play(reopen);
    const reopened = await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'IN_PROGRESS', 'reopened');
    assert.equal(reopened.resolvedAt, null);
    assert.equal(reopened.resolution, null);
    // A reopened case gets a fresh resolution clock (HIGH: 480 minutes).
    assert.equal(Date.parse(reopened.resolutionDueAt!), Date.parse(reopen.occurredAt) + 480 * 60_000);

    await play(channel.resolved(cast.manager, 'Really fixed'));
    await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'RESOLVED', 'RESOLVED again');
    await play(channel.archived(cast.admin));
    const closed = await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'CLOSED', 'CLOSED');
    assert.equal(closed.resolution, 'Really fixed');
    assert.equal(closed.resolvedBy, cast.manager.userId);
  });

  it('kept every transition with its actor, time and reason', async () => {
    const detail = await detailOf(cast.manager, ticketId);
    const steps = detail.history.map((entry) => [entry.from, entry.to, entry.actor.userId, entry.reason]);
    assert.deepEqual(steps, [
      [null, 'OPEN', cast.customer.userId, 'Cannot log in'],
      ['OPEN', 'IN_PROGRESS', cast.admin.userId, `assigned to ${cast.manager.userId}`],
      ['IN_PROGRESS', 'ESCALATED', cast.manager.userId, 'Needs the platform team'],
      ['ESCALATED', 'RESOLVED', platform.userId, 'Reset the password'],
      ['RESOLVED', 'IN_PROGRESS', cast.customer.userId, null],
      ['IN_PROGRESS', 'RESOLVED', cast.manager.userId, 'Really fixed'],
      ['RESOLVED', 'CLOSED', cast.admin.userId, null],
    ]);
    const channelEvents = played.filter((event) => event.type.startsWith('channel.') && event.type !== 'channel.participant_added');
    assert.deepEqual(detail.history.map((entry) => entry.at), channelEvents.map((event) => event.occurredAt));
    assert.deepEqual(detail.history.map((entry) => entry.event), channelEvents.map((event) => event.type));

    // Every change went out as ticket.updated, in order, each with the whole ticket.
    const updates = await eventually(async () => {
      const found = recorder.of('ticket.updated', (event) => event.data.ticket.id === ticketId);
      return found.at(-1)?.data.ticket.status === 'CLOSED' && found;
    }, 'the ticket.updated events');
    const statuses = updates.map((event) => event.data.ticket.status).filter((status, index, all) => index === 0 || all[index - 1] !== status);
    assert.deepEqual(statuses, ['IN_PROGRESS', 'ESCALATED', 'RESOLVED', 'IN_PROGRESS', 'RESOLVED', 'CLOSED']);
    assert.ok(updates.some((event) => event.data.ticket.firstResponseAt !== null && event.data.ticket.status === 'IN_PROGRESS'));
  });

  it('ignores repeated events and late snapshots', async () => {
    const before = await detailOf(cast.manager, ticketId);
    const updatesBefore = recorder.of('ticket.updated', (event) => event.data.ticket.id === ticketId).length;

    // The same events again (a redelivery), then the same changes under new ids (a producer retry).
    await publish(...played);
    const stale = played.filter((event) => event.type !== 'channel.created').map((event) => ({ ...event, id: crypto.randomUUID() }));
    await publish(...stale);
    await handled(stale);
    await sleep(300);

    assert.deepEqual(await detailOf(cast.manager, ticketId), before);
    assert.equal(recorder.of('ticket.updated', (event) => event.data.ticket.id === ticketId).length, updatesBefore);
  });
});

describe('events out of order', () => {
  const cast = tenantCast();

  it('an event before its channel.created waits for it, then applies', async () => {
    const channel = new ChannelScript(cast.customer);
    const created = channel.created(cast.customer, { subject: 'Early bird', category: 'BILLING', priority: 'LOW' });
    const assigned = channel.assigned(cast.admin, cast.manager);
    await publish(assigned);
    await sleep(150);
    assert.equal(await ticketOf(cast.manager, channel.id), undefined);
    await publish(created);
    const ticket = await ticketWhen(cast.manager, channel.id, (found) => found.status === 'IN_PROGRESS', 'the ticket after its opening');
    assert.equal(ticket.subject, 'Early bird');
    assert.equal(ticket.assignedTo, cast.manager.userId);
    const history = (await detailOf(cast.manager, ticket.id)).history.map((entry) => [entry.from, entry.to]);
    assert.deepEqual(history, [[null, 'OPEN'], ['OPEN', 'IN_PROGRESS']]);
  });

  it('an assigned arriving after resolved does not reopen the ticket', async () => {
    const channel = new ChannelScript(cast.customer);
    const created = channel.created(cast.customer);
    await publish(created);
    await ticketWhen(cast.manager, channel.id, () => true, 'the ticket');
    const assigned = channel.assigned(cast.admin, cast.manager);
    const escalated = channel.escalated(cast.manager, 'help');
    const resolved = channel.resolved(cast.manager, 'done');
    await publish(resolved);
    await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'RESOLVED', 'RESOLVED');
    await publish(assigned, escalated);
    await handled([assigned, escalated]);
    const ticket = await ticketOf(cast.manager, channel.id);
    assert.equal(ticket?.status, 'RESOLVED');
    assert.equal(ticket?.resolution, 'done');
    // The snapshot of `resolved` already said who was assigned.
    assert.equal(ticket?.assignedTo, cast.manager.userId);
    const history = (await detailOf(cast.manager, ticket!.id)).history.map((entry) => [entry.from, entry.to]);
    assert.deepEqual(history, [[null, 'OPEN'], ['OPEN', 'RESOLVED']]);
  });

  it('a late channel.resolved still tells how an archived case was resolved', async () => {
    const channel = new ChannelScript(cast.customer);
    await publish(channel.created(cast.customer));
    await ticketWhen(cast.manager, channel.id, () => true, 'the ticket');
    const resolved = channel.resolved(cast.admin, 'Refunded');
    const archived = channel.archived(cast.admin);
    await publish(archived);
    await ticketWhen(cast.manager, channel.id, (ticket) => ticket.status === 'CLOSED', 'CLOSED');
    await publish(resolved);
    const ticket = await ticketWhen(cast.manager, channel.id, (found) => found.resolution !== null, 'the late resolution');
    assert.equal(ticket.status, 'CLOSED');
    assert.equal(ticket.resolution, 'Refunded');
    assert.equal(ticket.resolvedBy, cast.admin.userId);
  });

  it('a staff answer that arrives before the ticket opened still counts as its first response', async () => {
    const channel = new ChannelScript(cast.customer);
    const answer = channel.message(cast.manager, 'Hi, how can I help?');
    await publish(answer);
    await handled([answer]);
    await publish(channel.created(cast.customer));
    const ticket = await ticketWhen(cast.manager, channel.id, () => true, 'the ticket');
    assert.equal(ticket.firstResponseAt, answer.data.message.createdAt);
  });
});

describe('which messages answer a ticket, and which channels have one', () => {
  const cast = tenantCast();
  const platform = superAdmin();

  it('in a platform support case only platform staff answer; the tenant admin who asked does not', async () => {
    const channel = new ChannelScript(cast.admin, 'PLATFORM_SUPPORT');
    await publish(channel.created(cast.admin, { subject: 'Billing export broken', category: 'BILLING', priority: 'URGENT' }));
    await ticketWhen(cast.admin, channel.id, () => true, 'the platform ticket');
    const ownMessage = channel.message(cast.admin, 'Any news?');
    const colleague = channel.message(cast.manager, 'Same here');
    await publish(ownMessage, colleague);
    await handled([ownMessage, colleague]);
    assert.equal((await ticketOf(cast.admin, channel.id))?.firstResponseAt, null);
    const answer = channel.message(platform, 'Looking into it');
    await publish(answer);
    const ticket = await ticketWhen(cast.admin, channel.id, (found) => found.firstResponseAt !== null, 'the platform answer');
    assert.equal(ticket.firstResponseAt, answer.data.message.createdAt);
  });

  it('team and tournament channels open no ticket', async () => {
    const team = new ChannelScript(cast.admin, 'TEAM');
    const tournament = new ChannelScript(cast.admin, 'TOURNAMENT');
    const events = [team.created(cast.admin, null), tournament.created(cast.admin, null), team.assigned(cast.admin, cast.manager)];
    await publish(...events);
    await handled(events);
    assert.equal(await ticketOf(cast.admin, team.id), undefined);
    assert.equal(await ticketOf(cast.admin, tournament.id), undefined);
  });

  it('lets messages from anyone but staff pass without a transaction, in a case and in a tournament alike', async () => {
    const tournament = new ChannelScript(cast.admin, 'TOURNAMENT');
    const supportCase = new ChannelScript(cast.customer);
    await publish(supportCase.created(cast.customer, { subject: 'Lag', category: 'TECHNICAL', priority: 'LOW' }));
    await ticketWhen(cast.admin, supportCase.id, () => true, 'the case to open');
    const chatter = Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? tournament : supportCase).message(cast.customer, `message ${index}`));
    const staffMessage = tournament.message(cast.manager, 'The match starts in five minutes');
    await publish(...chatter, staffMessage);
    // The queue keeps its order: once the staff message is in the inbox, the chatter has passed.
    await handled([staffMessage]);
    const [row] = (await service.context.db.dataSource.query(`SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY($1::uuid[])`, [chatter.map((event) => event.id)])) as { n: number }[];
    assert.equal(row?.n, 0, 'no inbox row, hence no transaction, for a message that cannot answer a ticket');
  });
});

describe('ticket numbers', () => {
  it('count 1, 2, 3, ... per tenant, with no gap or repeat under concurrent openings', async () => {
    const first = tenantCast();
    const second = tenantCast();
    const openings = [
      ...Array.from({ length: 12 }, () => new ChannelScript(first.customer).created(first.customer)),
      ...Array.from({ length: 5 }, () => new ChannelScript(second.customer).created(second.customer)),
    ];
    await Promise.all(openings.map((event) => publish(event)));
    await handled(openings);
    const numbersOf = async (staff: TestUser) => {
      const answer = await clientOf(service.url, staff).get<{ items: Ticket[] }>('/api/chat/tickets?limit=200');
      return answer.body.items.map((ticket) => ticket.number).sort((a, b) => a - b);
    };
    assert.deepEqual(await numbersOf(first.admin), Array.from({ length: 12 }, (_, index) => index + 1));
    assert.deepEqual(await numbersOf(second.admin), [1, 2, 3, 4, 5]);
  });
});
