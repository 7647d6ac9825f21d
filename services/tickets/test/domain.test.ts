import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ChannelEvent, type EventEnvelope } from '@chat/contracts';
import { applyChannelEvent, openTicket } from '../src/domain/channel-change.ts';
import { answersTicket } from '../src/domain/first-response.ts';
import { breachesAt, DEFAULT_SLA_TARGETS, dueTimesOf } from '../src/domain/sla.ts';
import { ticketStatusOf } from '../src/domain/status.ts';
import type { TicketRecord } from '../src/domain/ticket.ts';
import { ChannelScript } from './support/channel-script.ts';
import { superAdmin, tenantCast } from './support/harness.ts';

const cast = tenantCast('acme');
const platform = superAdmin();
const NOW = new Date('2030-01-01T00:00:00.000Z');

type Step = 'assign' | 'escalate' | 'resolve' | 'reopen' | 'archive' | 'join';

/** A channel's life as the channels service allows it: each step only from a status it may leave. */
function play(steps: Step[]): { created: EventEnvelope<'channel.created'>; changes: ChannelEvent[] } {
  const channel = new ChannelScript(cast.customer);
  const created = channel.created(cast.customer, { subject: 'Broken', category: 'TECHNICAL', priority: 'HIGH' });
  const changes: ChannelEvent[] = [];
  for (const step of steps) {
    const status = channel.snapshot.status;
    if (status === 'ARCHIVED') break;
    if (step === 'assign' && status !== 'RESOLVED') changes.push(channel.assigned(cast.admin, cast.manager));
    if (step === 'escalate' && status === 'ACTIVE') changes.push(channel.escalated(cast.manager, 'help', platform));
    if (step === 'resolve' && (status === 'ACTIVE' || status === 'ESCALATED')) changes.push(channel.resolved(cast.manager, `fixed at ${changes.length}`));
    if (step === 'reopen' && status === 'RESOLVED') changes.push(channel.reopened(cast.customer));
    if (step === 'archive') changes.push(channel.archived(cast.admin));
    if (step === 'join') changes.push(channel.participantAdded(cast.admin, cast.otherCustomer));
  }
  return { created, changes };
}

function replay(created: EventEnvelope<'channel.created'>, changes: ChannelEvent[]): { ticket: TicketRecord; transitions: number } {
  let { ticket } = openTicket(created, { id: crypto.randomUUID(), number: 1, targets: DEFAULT_SLA_TARGETS, now: NOW });
  let transitions = 1;
  for (const event of changes) {
    const change = applyChannelEvent(ticket, event, NOW);
    ticket = change.ticket;
    if (change.transition) transitions += 1;
  }
  return { ticket, transitions };
}

const steps = fc.array(fc.constantFrom<Step>('assign', 'escalate', 'resolve', 'reopen', 'archive', 'join'), { maxLength: 12 });

describe('applying channel events', () => {
  it('ends where the channel ended, whatever order and however often the events arrive', () => {
    fc.assert(
      fc.property(steps, fc.infiniteStream(fc.nat()), (chosen, randomness) => {
        const { created, changes } = play(chosen);
        const inOrder = replay(created, changes).ticket;
        const iterator = randomness[Symbol.iterator]();
        const shuffled = [...changes, ...changes.filter(() => iterator.next().value % 3 === 0)]
          .map((event) => ({ event, key: iterator.next().value as number }))
          .sort((x, y) => x.key - y.key)
          .map(({ event }) => event);
        const { ticket, transitions } = replay(created, shuffled);
        const last = changes.at(-1)?.data.channel ?? created.data.channel;
        assert.equal(ticket.status, ticketStatusOf(last));
        assert.equal(ticket.status, inOrder.status);
        assert.equal(ticket.assignedTo, inOrder.assignedTo);
        assert.equal(ticket.escalatedTo, inOrder.escalatedTo);
        assert.equal(ticket.channelRevision, last.revision);
        assert.deepEqual(ticket.participantIds, inOrder.participantIds);
        // Never more transitions than the channel made.
        assert.ok(transitions <= replay(created, changes).transitions);
      }),
      { numRuns: 300 },
    );
  });

  it('a resolved case keeps its resolution, the latest one when resolved twice in order', () => {
    const { created, changes } = play(['assign', 'resolve', 'reopen', 'resolve']);
    const { ticket } = replay(created, changes);
    assert.equal(ticket.status, 'RESOLVED');
    assert.equal(ticket.resolution, 'fixed at 3');
    assert.equal(ticket.resolvedBy, cast.manager.userId);
  });
});

describe('SLA clocks', () => {
  const createdAt = new Date('2030-01-01T10:00:00.000Z');

  it('counts the targets from the opening and from the last reopening', () => {
    const reopened = new Date('2030-01-02T10:00:00.000Z');
    const due = dueTimesOf({ createdAt, resolutionClockFrom: reopened }, DEFAULT_SLA_TARGETS.URGENT);
    assert.equal(due.firstResponseDueAt.toISOString(), '2030-01-01T10:15:00.000Z');
    assert.equal(due.resolutionDueAt.toISOString(), '2030-01-02T14:00:00.000Z');
  });

  it('finds breaches only while the case is open or in progress, and first-response ones only before an answer', () => {
    const ticket = { status: 'OPEN' as const, firstResponseAt: null, firstResponseDueAt: new Date(1_000), resolutionDueAt: new Date(2_000) };
    assert.deepEqual(breachesAt(ticket, new Date(999)), []);
    assert.deepEqual(breachesAt(ticket, new Date(1_000)).map((breach) => breach.kind), ['FIRST_RESPONSE']);
    assert.deepEqual(breachesAt(ticket, new Date(5_000)).map((breach) => breach.kind), ['FIRST_RESPONSE', 'RESOLUTION']);
    assert.deepEqual(breachesAt({ ...ticket, firstResponseAt: new Date(500) }, new Date(5_000)).map((breach) => breach.kind), ['RESOLUTION']);
    for (const status of ['ESCALATED', 'RESOLVED', 'CLOSED'] as const) assert.deepEqual(breachesAt({ ...ticket, status }, new Date(5_000)), []);
  });
});

describe('first responses', () => {
  it('come from staff other than the one who asked; on platform cases from platform staff', () => {
    const support = { createdBy: cast.customer.userId, channelType: 'SUPPORT' as const };
    assert.equal(answersTicket(support, { senderId: cast.manager.userId, senderType: 'MANAGEMENT_TEAM' }), true);
    assert.equal(answersTicket(support, { senderId: platform.userId, senderType: 'SUPER_ADMIN' }), true);
    assert.equal(answersTicket(support, { senderId: cast.otherCustomer.userId, senderType: 'PARTICIPANT' }), false);
    assert.equal(answersTicket(support, { senderId: 'system', senderType: 'SYSTEM' }), false);
    const openedByStaff = { createdBy: cast.manager.userId, channelType: 'SUPPORT' as const };
    assert.equal(answersTicket(openedByStaff, { senderId: cast.manager.userId, senderType: 'MANAGEMENT_TEAM' }), false);
    const platformCase = { createdBy: cast.admin.userId, channelType: 'PLATFORM_SUPPORT' as const };
    assert.equal(answersTicket(platformCase, { senderId: cast.manager.userId, senderType: 'MANAGEMENT_TEAM' }), false);
    assert.equal(answersTicket(platformCase, { senderId: platform.userId, senderType: 'SUPER_ADMIN' }), true);
  });
});
