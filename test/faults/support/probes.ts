/**
 * What the fault tests look at besides the public API: readiness over time, the services'
 * outboxes and inboxes (read as the database owner, so that the books can be checked event by
 * event), and a service's metrics.
 */
import pg from 'pg';
import type { Message } from '@chat/contracts';
import type { Cluster, ServiceName } from '@chat/test-kit';

export interface ReadinessSample {
  at: number;
  status: number;
}

/** Polls `/readyz` until stopped: how readiness went through an outage. */
export function watchReadiness(url: string, intervalMs = 100): { samples: ReadinessSample[]; stop(): ReadinessSample[] } {
  const samples: ReadinessSample[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.status,
        () => 0,
      );
      samples.push({ at: Date.now(), status });
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    samples,
    stop() {
      running = false;
      return samples;
    },
  };
}

/** The first sample at or after `from` that is not 200 (`undefined` if there is none). */
export function firstNotReady(samples: ReadinessSample[], from: number): ReadinessSample | undefined {
  return samples.find((sample) => sample.at >= from && sample.status !== 200);
}

async function query<R extends pg.QueryResultRow>(cluster: Cluster, service: ServiceName, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: cluster.databases[service].url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Outbox rows of a service not yet confirmed by the broker. */
export async function unpublishedEvents(cluster: Cluster, service: ServiceName): Promise<number> {
  const [row] = await query<{ count: number }>(cluster, service, 'SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL');
  return row?.count ?? 0;
}

/** The ids of the `message.created` events messaging wrote for these messages. */
export async function messageCreatedEvents(cluster: Cluster, messageIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await query<{ message_id: string; event_id: string }>(
    cluster,
    'messaging',
    `SELECT envelope->'data'->'message'->>'id' AS message_id, event_id::text AS event_id
       FROM outbox WHERE type = 'message.created' AND envelope->'data'->'message'->>'id' = ANY($1::text[])`,
    [messageIds],
  );
  return new Map(rows.map((row) => [row.message_id, row.event_id]));
}

/**
 * The events (of `eventByMessage`, as `messageCreatedEvents` answers) of the messages the tickets
 * service keeps a record of: staff's, which may answer a ticket. The others pass it without a
 * transaction, hence without a trace.
 */
export function staffMessageEvents(eventByMessage: ReadonlyMap<string, string>, messages: readonly Message[]): string[] {
  return messages.filter((message) => message.senderType !== 'PARTICIPANT').flatMap((message) => eventByMessage.get(message.id) ?? []);
}

/** The ids of the events of a type a service wrote in its outbox. */
export async function eventsOfType(cluster: Cluster, service: ServiceName, type: string): Promise<string[]> {
  const rows = await query<{ event_id: string }>(cluster, service, 'SELECT event_id::text AS event_id FROM outbox WHERE type = $1 ORDER BY position', [type]);
  return rows.map((row) => row.event_id);
}

/** Which of the events a consuming service has handled (its inbox). */
export async function handledEvents(cluster: Cluster, service: ServiceName, eventIds: readonly string[]): Promise<Set<string>> {
  const rows = await query<{ event_id: string }>(
    cluster,
    service,
    'SELECT event_id::text AS event_id FROM processed_events WHERE consumer = $1 AND event_id = ANY($2::uuid[])',
    [service, eventIds],
  );
  return new Set(rows.map((row) => row.event_id));
}

/** One counter of a service's Prometheus text, summed over the label sets that match. */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
