import { SYSTEM_ACTOR } from '@chat/contracts';
import { every, type Database } from '@chat/database';
import type { ServiceContext, Worker } from '@chat/service-runtime';
import { breachesAt } from '../domain/sla.ts';
import { publishSlaBreached } from '../events/publish.ts';
import { forgetEarlyStaffMessagesBefore, tenantsWithEarlyMessagesBefore } from '../store/early-staff-messages.ts';
import { claimBreach, findBreachCandidates, lockTicketForSla } from '../store/sla-breaches.ts';

export interface SlaSchedulerOptions {
  intervalMs: number;
  /** Tickets looked at per scan; a longer backlog continues at the next scan. */
  batchSize?: number;
  /** Early staff messages older than this belong to channels that never got a ticket. */
  earlyMessageRetentionMs?: number;
}

const DEFAULT_BATCH = 200;
const DEFAULT_EARLY_MESSAGE_RETENTION_MS = 3_600_000;
const EARLY_MESSAGE_PURGE_EVERY_MS = 10 * 60_000;

/**
 * Finds broken SLA promises and publishes `ticket.sla_breached`, which the channels service turns
 * into an escalation. Any number of replicas may run it on one database: each breach row is
 * claimed (unique key) in the transaction that writes its event to the outbox, under a row lock
 * taken with SKIP LOCKED, so a breach fires exactly once and no replica waits on another.
 */
export function startSlaScheduler(context: Pick<ServiceContext, 'db' | 'logger' | 'metrics'>, options: SlaSchedulerOptions): Worker {
  const { db, logger, metrics } = context;
  const fired = metrics.counter('tickets_sla_breaches_total', 'SLA breaches fired, by kind', ['kind']);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const retentionMs = options.earlyMessageRetentionMs ?? DEFAULT_EARLY_MESSAGE_RETENTION_MS;
  let stopped = false;

  async function scan(): Promise<void> {
    const candidates = await db.acrossTenants((tx) => findBreachCandidates(tx, batchSize));
    for (const candidate of candidates) {
      if (stopped) return;
      const kinds = await fireBreaches(db, candidate.tenantId, candidate.ticketId);
      for (const kind of kinds) fired.inc({ kind });
    }
  }

  const stopScans = every(options.intervalMs, () => scan().catch((error: unknown) => logger.warn({ err: error }, 'SLA scan failed; trying again at the next one')));
  const stopPurges = every(EARLY_MESSAGE_PURGE_EVERY_MS, () =>
    purgeEarlyMessages(db, new Date(Date.now() - retentionMs)).catch((error: unknown) => logger.warn({ err: error }, 'early staff messages not purged; trying again later')),
  );

  return {
    async stop() {
      stopped = true;
      await Promise.all([stopScans(), stopPurges()]);
    },
  };
}

/** Fires what one ticket has breached; answers the kinds fired here (none if another replica did). */
async function fireBreaches(db: Database, tenantId: string, ticketId: string): Promise<string[]> {
  return db.inTenant(tenantId, async (tx) => {
    const locked = await lockTicketForSla(tx, ticketId);
    if (locked === null) return [];
    const kinds: string[] = [];
    for (const breach of breachesAt(locked.ticket, locked.now)) {
      if (!(await claimBreach(tx, locked.ticket, breach))) continue;
      await publishSlaBreached(tx, locked.ticket, breach, SYSTEM_ACTOR);
      kinds.push(breach.kind);
    }
    return kinds;
  });
}

async function purgeEarlyMessages(db: Database, before: Date): Promise<void> {
  const tenants = await db.acrossTenants((tx) => tenantsWithEarlyMessagesBefore(tx, before, 100));
  for (const tenantId of tenants) await db.inTenant(tenantId, (tx) => forgetEarlyStaffMessagesBefore(tx, before));
}
