import type { EventEnvelope } from '@chat/contracts';
import type { EventBus } from '@chat/event-bus';
import type { Logger, Metrics } from '@chat/telemetry';
import { sqlStateOf } from './errors.ts';
import { OUTBOX_RELAY_LOCK } from './locks.ts';
import { checkOut, resultsOf } from './pool.ts';
import { every } from './every.ts';
import { purgeOlderThan } from './purge.ts';
import type { Database } from './types.ts';

export interface OutboxRelayOptions {
  db: Database;
  bus: EventBus;
  logger: Logger;
  metrics?: Metrics;
  /** Rows claimed and published per cycle. Default 200. */
  batchSize?: number;
  /**
   * How often to look for rows nobody woke the relay for: left by a crash, by another process
   * whose relay is gone, or by a failed cycle. Default 1s.
   */
  sweepIntervalMs?: number;
  /** Back-off after the first failed cycle; it doubles up to `maxRetryDelayMs`. Default 250 ms. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Published rows are kept this long for inspection. Default 24 h. */
  purgeAfterMs?: number;
  purgeIntervalMs?: number;
}

export interface OutboxRelay {
  /**
   * Stops waking and sweeping, lets the cycle in progress finish, then publishes what is left
   * until the outbox is empty or a cycle fails. Call it before closing the bus and the database.
   */
  stop(): Promise<void>;
}

/**
 * - `idle`: nothing to publish; `published`: a partial batch left, the outbox is now empty;
 * - `more`: a full batch left, rows may remain; `busy`: another relay held the lock too long;
 * - `failed`: the rows stay for a later cycle.
 */
type CycleOutcome = 'idle' | 'published' | 'more' | 'busy' | 'failed';

/**
 * A relay waits this long for another one's cycle to end (normally milliseconds), then counts
 * the database as busy and tries again after BUSY_RETRY_MS.
 */
const LOCK_WAIT_MS = 2_000;
const BUSY_RETRY_MS = 100;
const LOCK_NOT_AVAILABLE = '55P03';

const [LOCK_NAMESPACE, LOCK_ID] = OUTBOX_RELAY_LOCK;

/**
 * One round trip opens a cycle: the transaction, a bound on the wait for another relay's cycle
 * (normally milliseconds), the relay lock, so that relays of one database take turns batch by
 * batch, and the claim of the oldest unpublished rows. SKIP LOCKED keeps a claim from queueing
 * behind rows another cycle holds; the advisory lock makes sure there is no such cycle, so two
 * relays on one database never publish overlapping batches out of order and per-aggregate order
 * (outbox.ts) holds.
 *
 * The mark needs no flush to disk before the relay goes on (`synchronous_commit` off): a mark
 * lost with a crash of PostgreSQL only publishes its events again, which delivery at least once
 * allows and the consumers' inboxes absorb.
 */
function claimSql(batchSize: number): string {
  return `BEGIN;
  SET LOCAL lock_timeout = '${LOCK_WAIT_MS}ms';
  SET LOCAL synchronous_commit = off;
  SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${LOCK_ID});
  SELECT position, envelope, extract(epoch FROM clock_timestamp() - created_at)::float8 AS age_seconds
    FROM outbox
   WHERE published_at IS NULL
   ORDER BY position
   LIMIT ${Math.trunc(batchSize)}
   FOR UPDATE SKIP LOCKED`;
}

/** The second and last round trip: the mark and the commit. Positions are the outbox's own bigints. */
function markSql(positions: readonly string[]): string {
  if (!positions.every((position) => /^\d+$/.test(position))) throw new Error('outbox positions must be integers');
  return `UPDATE outbox SET published_at = clock_timestamp()
   WHERE position = ANY('{${positions.join(',')}}'::bigint[])
  RETURNING extract(epoch FROM published_at - created_at)::float8 AS lag_seconds;
  COMMIT`;
}

interface ClaimedRow {
  position: string;
  envelope: EventEnvelope;
  age_seconds: number;
}

const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

function relayMetrics(metrics: Metrics | undefined) {
  if (!metrics) return undefined;
  return {
    lag: metrics.histogram('outbox_lag_seconds', 'From the outbox write to its publication being confirmed', [], LAG_BUCKETS),
    oldestPending: metrics.gauge('outbox_oldest_pending_seconds', 'Age of the oldest unpublished outbox row at the last cycle'),
    batchSize: metrics.histogram('outbox_batch_size', 'Events published per relay cycle', [], BATCH_BUCKETS),
    publishDuration: metrics.histogram('outbox_publish_duration_seconds', 'Time for the bus to confirm one batch'),
    failures: metrics.counter('outbox_publish_failures_total', 'Relay cycles that failed and left their rows for a retry'),
  };
}

/**
 * Publishes the database's outbox on the bus: woken right after each commit that wrote outbox
 * rows (no polling delay on the normal path), and by a periodic sweep. Delivery is at least once:
 * a crash between the bus's confirmation and the mark repeats a batch, which consumers' inboxes
 * absorb.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, bus, logger } = options;
  const batchSize = options.batchSize ?? 200;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const metrics = relayMetrics(options.metrics);

  let stopping = false;
  let wanted = false;
  let looping = false;
  let loop: Promise<void> = Promise.resolve();
  let retryTimer: NodeJS.Timeout | null = null;
  let consecutiveFailures = 0;

  async function publishBatch(): Promise<CycleOutcome> {
    const { client, done } = await checkOut(db.dataSource);
    let ended = false;
    try {
      let claimed: ClaimedRow[];
      try {
        claimed = resultsOf(await client.query<ClaimedRow>(claimSql(batchSize))).at(-1)?.rows ?? [];
      } catch (err) {
        if (sqlStateOf(err) !== LOCK_NOT_AVAILABLE) throw err;
        await client.query('ROLLBACK');
        ended = true;
        return 'busy';
      }
      metrics?.oldestPending.set(claimed[0]?.age_seconds ?? 0);
      if (claimed.length === 0) {
        await client.query('COMMIT');
        ended = true;
        return 'idle';
      }
      const endPublish = metrics?.publishDuration.startTimer();
      await bus.publish(claimed.map((row) => row.envelope));
      endPublish?.();
      const marked = resultsOf(await client.query<{ lag_seconds: number }>(markSql(claimed.map((row) => row.position))))[0]?.rows ?? [];
      ended = true;
      metrics?.batchSize.observe(claimed.length);
      for (const { lag_seconds } of marked) metrics?.lag.observe(lag_seconds);
      return claimed.length === batchSize ? 'more' : 'published';
    } finally {
      // A connection whose transaction could not be ended cleanly is closed, not pooled.
      if (!ended) ended = await client.query('ROLLBACK').then(() => true, () => false);
      done(!ended);
    }
  }

  async function cycle(): Promise<CycleOutcome> {
    try {
      const outcome = await publishBatch();
      consecutiveFailures = 0;
      return outcome;
    } catch (err) {
      consecutiveFailures += 1;
      metrics?.failures.inc();
      logger.warn({ err, consecutiveFailures }, 'outbox relay cycle failed; rows kept for a retry');
      return 'failed';
    }
  }

  function retryIn(ms: number): void {
    retryTimer = setTimeout(() => {
      retryTimer = null;
      request();
    }, ms);
    retryTimer.unref();
  }

  function backOff(): number {
    const ceiling = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (consecutiveFailures - 1));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  async function runWhileWanted(): Promise<void> {
    // `looping` is cleared in the same synchronous step as the last check of `wanted`, so a
    // request arriving at any point is either seen by this loop or starts a new one.
    looping = true;
    try {
      while (wanted && !stopping) {
        wanted = false;
        const outcome = await cycle();
        if (outcome === 'more') wanted = true;
        else if (outcome === 'busy') return retryIn(BUSY_RETRY_MS);
        else if (outcome === 'failed') return retryIn(backOff());
      }
    } finally {
      looping = false;
    }
  }

  /** Asks for a cycle. During a back-off the pending retry will take the request along. */
  function request(): void {
    if (stopping) return;
    wanted = true;
    if (!looping && !retryTimer) loop = runWhileWanted();
  }

  const unsubscribe = db.onOutboxCommit(request);
  const sweep = setInterval(request, options.sweepIntervalMs ?? 1_000);
  sweep.unref();
  const stopPurge = every(options.purgeIntervalMs ?? 10 * 60_000, async () => {
    try {
      await purgeOlderThan(db.dataSource, { table: 'outbox', column: 'published_at', key: ['position'] }, options.purgeAfterMs ?? 24 * 3_600_000);
    } catch (err) {
      logger.warn({ err }, 'outbox purge failed');
    }
  });
  request();

  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        unsubscribe();
        clearInterval(sweep);
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = null;
        await loop;
        await stopPurge();
        while ((await cycle()) === 'more');
      })();
      return stopped;
    },
  };
}
