import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RunningService } from '@chat/service-runtime';
import { explainAnalyze, type PlanNode } from '@chat/test-kit';
import type { Audience } from '../src/domain/visibility.ts';
import { listQueue, queueQuery, type QueueFilter, type QueuePosition } from '../src/store/ticket-queue.ts';
import { startTicketsAlone, type TicketsAlone } from './support/harness.ts';

/**
 * Platform staff's queue stays a walk of indexes however many tickets the tenants have: with
 * 40,000 tickets over 20 tenants, of which 1 in 50 is escalated or a platform case and a platform
 * admin took part in 60 more, a page reads about a page of rows from tickets_platform_queue and
 * the admin's few from ticket_participants, across tenants as the service runs it, and pages
 * through exactly the tickets `canSeeTicket` lets the admin see.
 */
const TICKETS = 40_000;
const ADMIN = 'platform-root';
let tickets: TicketsAlone;
let service: RunningService;

before(async () => {
  tickets = await startTicketsAlone('tickets_plan', { slaScanIntervalMs: 600_000 });
  service = tickets.service;
  // Every 50th ticket escalated or a platform case; the admin took part in every 500th of the rest
  // (a case escalated to it once, since resolved) and in 20 platform cases.
  await sql(
    `INSERT INTO tickets (id, tenant_id, number, channel_id, channel_type, channel_status, channel_revision, participant_ids,
                          subject, category, priority, status, created_by, first_response_due_at, resolution_due_at,
                          resolution_clock_from, created_at, updated_at)
     SELECT gen_random_uuid(), 'plan-' || (g % 20), g, gen_random_uuid(),
            CASE WHEN g % 100 = 0 THEN 'PLATFORM_SUPPORT' ELSE 'SUPPORT' END,
            CASE WHEN g % 100 = 50 THEN 'ESCALATED' WHEN g % 500 = 7 THEN 'RESOLVED' ELSE 'ACTIVE' END,
            1,
            CASE WHEN g % 500 = 7 OR g % 2000 = 0 THEN ARRAY['customer-' || g, $1] ELSE ARRAY['customer-' || g] END,
            'case ' || g, 'OTHER', 'MEDIUM',
            CASE WHEN g % 100 = 50 THEN 'ESCALATED' WHEN g % 500 = 7 THEN 'RESOLVED' ELSE 'OPEN' END,
            'customer-' || g,
            now() + g * interval '1 second', now() + interval '1 day' + g * interval '1 second', now(), now(), now()
       FROM generate_series(1, $2::int) g`,
    [ADMIN, TICKETS],
  );
  await sql('ANALYZE tickets');
  await sql('ANALYZE ticket_participants');
});

after(async () => {
  await tickets?.stop();
});

/** The database as the tests' superuser sees it, past row-level security. */
async function sql<T>(text: string, params: unknown[] = []): Promise<{ rows: T[] }> {
  return { rows: (await service.context.db.dataSource.query(text, params)) as T[] };
}

const platformStaff: Audience = { kind: 'platform-staff', userId: ADMIN };

async function planOf(filter: QueueFilter, after: QueuePosition | null): Promise<PlanNode[]> {
  return explainAnalyze((text, params) => service.context.db.acrossTenants((tx) => tx.query(text, params)), queueQuery(platformStaff, filter, 50, after));
}

/** What the admin may see, by the rule itself rather than the queue's statement. */
async function expectedIds(): Promise<string[]> {
  const { rows } = await sql<{ id: string }>(
    `SELECT id FROM tickets WHERE channel_status = 'ESCALATED' OR channel_type = 'PLATFORM_SUPPORT' OR $1 = ANY (participant_ids)
      ORDER BY queue_due_at, created_at, id`,
    [ADMIN],
  );
  return rows.map((row) => row.id);
}

for (const [what, filter, withCursor] of [
  ['the first page', {}, false],
  ['a page deep in the queue', {}, true],
  ['a page of one status', { status: 'OPEN' }, false],
] as const) {
  it(`reads ${what} of platform staff's queue from indexes, without scanning the tenants' tickets`, async () => {
    const middle = (await expectedIds())[400]!;
    const [position] = (await sql<{ due: Date; created: Date }>('SELECT queue_due_at AS due, created_at AS created FROM tickets WHERE id = $1', [middle])).rows;
    const after = withCursor && position ? { due: position.due.toISOString(), created: position.created.toISOString(), id: middle } : null;
    const nodes = await planOf(filter, after);
    const tableScans = nodes.filter((node) => node['Relation Name'] === 'tickets' || node['Relation Name'] === 'ticket_participants');
    assert.ok(!tableScans.some((node) => node['Node Type'] === 'Seq Scan'), `no sequential scan: ${nodes.map((node) => node['Node Type']).join(' > ')}`);
    // A bitmap index scan names its index but not its table.
    const indexes = new Set(nodes.flatMap((node) => node['Index Name'] ?? []));
    assert.ok(indexes.has('tickets_platform_queue'), `uses tickets_platform_queue: ${[...indexes].join(', ')}`);
    assert.ok(indexes.has('ticket_participants_by_user') || indexes.has('ticket_participants_pkey'), `reads the participants by user: ${[...indexes].join(', ')}`);
    const read = tableScans.reduce((sum, node) => sum + (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1), 0);
    assert.ok(read < 1_000, `read ${read} rows for a page of 50 out of ${TICKETS}`);
  });
}

it("pages through exactly the tickets platform staff may see, each once, in the queue's order", async () => {
  const seen: string[] = [];
  let after: QueuePosition | null = null;
  do {
    const page: Awaited<ReturnType<typeof listQueue>> = await service.context.db.acrossTenants((tx) => listQueue(tx, platformStaff, {}, 50, after));
    seen.push(...page.items.map((ticket) => ticket.id));
    after = page.next;
  } while (after !== null);
  const expected = await expectedIds();
  assert.ok(expected.length > 800, `${expected.length} tickets visible`);
  assert.deepEqual(seen, expected);
});

it('keeps the participants table in step with the ticket as people join and leave', async () => {
  const [ticket] = (
    await sql<{ id: string; tenant_id: string; channel_id: string }>(
      `SELECT id, tenant_id, channel_id FROM tickets WHERE channel_status = 'ACTIVE' AND channel_type = 'SUPPORT' AND NOT ($1 = ANY (participant_ids)) LIMIT 1`,
      [ADMIN],
    )
  ).rows;
  assert.ok(ticket);
  const participants = async () =>
    (await sql<{ user_id: string }>('SELECT user_id FROM ticket_participants WHERE ticket_id = $1 ORDER BY user_id', [ticket.id])).rows.map((row) => row.user_id);
  const seenByAdmin = async () => (await service.context.db.acrossTenants((tx) => listQueue(tx, platformStaff, { channelId: ticket.channel_id }, 50, null))).items.length;
  // As the service writes it: in the ticket's tenant, as chat_app.
  const setParticipants = (ids: string[]) => service.context.db.inTenant(ticket.tenant_id, (tx) => tx.execute('UPDATE tickets SET participant_ids = $2 WHERE id = $1', [ticket.id, ids]));
  const before_ = await participants();
  assert.equal(await seenByAdmin(), 0);
  await setParticipants([...before_, ADMIN]);
  assert.deepEqual(await participants(), [...before_, ADMIN].sort());
  assert.equal(await seenByAdmin(), 1);
  await setParticipants(['someone-else']);
  assert.deepEqual(await participants(), ['someone-else']);
  assert.equal(await seenByAdmin(), 0);
});
