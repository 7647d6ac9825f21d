import { type EventEnvelope, isChannelEvent } from '@chat/contracts';
import type { TenantTx } from '@chat/database';
import type { ConsumerSpec } from '@chat/event-bus';
import type { ServiceContext } from '@chat/service-runtime';
import { isStaffSender } from '../domain/first-response.ts';
import { handleChannelEvent } from './channel-events.ts';
import { handleMessageCreated } from './message-events.ts';

export const CONSUMER_NAME = 'tickets';

/**
 * Unlike the bus's default, a quick first retry: an event that overtook its channel's opening
 * (replicas handle a channel's events side by side) waits for it (channel-events.ts), and the
 * opening is then usually done within milliseconds. The later delays outlast an opening that is on
 * retries of its own by a good margin before giving up to the dead letters. An unavailable
 * database spends no attempt of either: the bus retries them until it is back.
 */
const RETRY_DELAYS_MS = [100, 500, 2_000, 8_000, 30_000, 120_000];

async function apply(tx: TenantTx, event: EventEnvelope, now: Date): Promise<void> {
  if (isChannelEvent(event)) await handleChannelEvent(tx, event, now);
  else if (event.type === 'message.created') await handleMessageCreated(tx, event, now);
}

/**
 * A message from anyone but staff answers no ticket. Most messages are such (customers, team and
 * tournament chat), so they are acknowledged without a transaction or an inbox row: repeating
 * nothing is as harmless as doing it once.
 */
const mayChangeATicket = (event: EventEnvelope) => event.type !== 'message.created' || isStaffSender(event.data.message.senderType);

/** Every channel change and every staff message, each applied once (the inbox) in its tenant. */
export function ticketsConsumer({ db, metrics }: Pick<ServiceContext, 'db' | 'metrics'>): ConsumerSpec {
  const applied = metrics.counter('tickets_events_applied_total', 'Events the tickets service applied, by type', ['type']);
  return {
    name: CONSUMER_NAME,
    patterns: ['channel.*', 'message.created'],
    retryDelaysMs: RETRY_DELAYS_MS,
    async handle(event) {
      if (!mayChangeATicket(event)) return;
      const ran = await db.handleOnce(CONSUMER_NAME, event, (tx) => apply(tx, event, new Date()));
      if (ran) applied.inc({ type: event.type });
    },
    // One transaction for what came together; any refusal (an event ahead of its channel's
    // opening) and each goes through `handle` alone, with its own retries.
    async handleBatch(events) {
      const relevant = events.filter(mayChangeATicket);
      if (relevant.length === 0) return;
      await db.handleAllOnce(CONSUMER_NAME, relevant, async (tx, ofTenant) => {
        const now = new Date();
        for (const event of ofTenant) await apply(tx, event, now);
      });
      for (const event of relevant) applied.inc({ type: event.type });
    },
  };
}
