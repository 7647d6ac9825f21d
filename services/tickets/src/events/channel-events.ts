import { type ChannelEvent, type EventEnvelope, opensTicket } from '@chat/contracts';
import type { TenantTx } from '@chat/database';
import { applyChannelEvent, openTicket } from '../domain/channel-change.ts';
import { withDueTimes } from '../domain/sla.ts';
import { answersTicket } from '../domain/first-response.ts';
import type { TicketRecord } from '../domain/ticket.ts';
import { takeEarlyStaffMessages, type EarlyStaffMessage } from '../store/early-staff-messages.ts';
import { loadSlaTargets } from '../store/sla-policies.ts';
import { appendHistory, insertTicket, lockTicketOfChannel, saveTicket, takeTicketNumber } from '../store/tickets.ts';
import { publishTicketOpened, publishTicketUpdated } from './publish.ts';

/**
 * Thrown for a change of a ticket-opening channel whose `channel.created` has not been handled
 * yet. The bus retries the event after a delay, by which time the opening has arrived.
 *
 * Why retry rather than build the ticket from the snapshot: only `channel.created` carries the
 * customer's request (subject, category, priority) and the opening time the SLA clocks start
 * from, so a ticket built from a later snapshot would show and publish made-up values. Nor is
 * the wait long: a channel's events leave the outbox in commit order, so a later event overtakes
 * the opening only while the opening is handled concurrently or is being retried itself.
 */
export class TicketNotOpenedYetError extends Error {
  override readonly name = 'TicketNotOpenedYetError';
}

export async function handleChannelEvent(tx: TenantTx, event: ChannelEvent, now: Date): Promise<void> {
  const channel = event.data.channel;
  if (!opensTicket(channel.type)) return;
  if (channel.tenantId !== tx.tenantId) throw new Error(`${event.type} ${event.id} names tenant ${channel.tenantId} inside tenant ${tx.tenantId}`);

  const current = await lockTicketOfChannel(tx, channel.id);
  if (current === null) {
    if (event.type !== 'channel.created') throw new TicketNotOpenedYetError(`${event.type} for channel ${channel.id} before its ticket opened`);
    await open(tx, event, now);
    return;
  }

  const change = applyChannelEvent(current, event, now);
  if (change.ticket === current) return;
  const ticket = change.clockRestarted ? withDueTimes(change.ticket, await loadSlaTargets(tx)) : change.ticket;
  await saveTicket(tx, ticket);
  if (change.transition) await appendHistory(tx, ticket, change.transition);
  if (change.visible) await publishTicketUpdated(tx, ticket, event.actor);
}

async function open(tx: TenantTx, event: EventEnvelope<'channel.created'>, now: Date): Promise<void> {
  const opened = openTicket(event, { id: crypto.randomUUID(), number: await takeTicketNumber(tx), targets: await loadSlaTargets(tx), now });
  const ticket = withEarlyAnswer(opened.ticket, await takeEarlyStaffMessages(tx, event.data.channel.id));
  await insertTicket(tx, ticket);
  await appendHistory(tx, ticket, opened.transition);
  await publishTicketOpened(tx, ticket, event.actor);
}

/** Staff may answer before the ticket's event arrived here: the earliest such answer counts. */
function withEarlyAnswer(ticket: TicketRecord, early: EarlyStaffMessage[]): TicketRecord {
  const answers = early.filter((message) => answersTicket(ticket, message)).map((message) => message.at.getTime());
  return answers.length === 0 ? ticket : { ...ticket, firstResponseAt: new Date(Math.min(...answers)) };
}
