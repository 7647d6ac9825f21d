import { enableTenantRls } from '@chat/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');
const TICKET_STATUSES = sqlList(['OPEN', 'IN_PROGRESS', 'ESCALATED', 'RESOLVED', 'CLOSED']);
const PRIORITIES = sqlList(['LOW', 'MEDIUM', 'HIGH', 'URGENT']);
const CATEGORIES = sqlList(['TECHNICAL', 'BILLING', 'ACCOUNT', 'TOURNAMENT_ISSUE', 'FEATURE_REQUEST', 'OTHER']);
const CHANNEL_STATUSES = sqlList(['ACTIVE', 'ESCALATED', 'RESOLVED', 'ARCHIVED']);

/**
 * Tickets, their history, per-tenant numbering, SLA policies and breaches, early staff answers,
 * canned responses. Every table carries `tenant_id` under row-level security.
 */
export class TicketsSchema1764151200000 implements MigrationInterface {
  name = 'TicketsSchema1764151200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tickets (
        id                    uuid PRIMARY KEY,
        tenant_id             text NOT NULL,
        number                integer NOT NULL CHECK (number > 0),
        channel_id            uuid NOT NULL UNIQUE,
        channel_type          text NOT NULL CHECK (channel_type IN ('SUPPORT', 'PLATFORM_SUPPORT')),
        channel_status        text NOT NULL CHECK (channel_status IN (${CHANNEL_STATUSES})),
        channel_revision      integer NOT NULL,
        participant_ids       text[] NOT NULL DEFAULT '{}',
        subject               text NOT NULL,
        category              text NOT NULL CHECK (category IN (${CATEGORIES})),
        priority              text NOT NULL CHECK (priority IN (${PRIORITIES})),
        status                text NOT NULL CHECK (status IN (${TICKET_STATUSES})),
        created_by            text NOT NULL,
        assigned_to           text,
        escalated_to          text,
        resolution            text,
        resolved_at           timestamptz,
        resolved_by           text,
        first_response_at     timestamptz,
        first_response_due_at timestamptz NOT NULL,
        resolution_due_at     timestamptz NOT NULL,
        resolution_clock_from timestamptz NOT NULL,
        created_at            timestamptz NOT NULL,
        updated_at            timestamptz NOT NULL,
        -- The queue's order: the next promise due (the first answer while none was given, then the
        -- resolution); settled tickets last. Never null, so keyset paging compares plain values.
        queue_due_at          timestamptz NOT NULL GENERATED ALWAYS AS (
          CASE
            WHEN status IN ('RESOLVED', 'CLOSED') THEN 'infinity'::timestamptz
            WHEN first_response_at IS NULL THEN LEAST(first_response_due_at, resolution_due_at)
            ELSE resolution_due_at
          END) STORED,
        UNIQUE (tenant_id, number)
      )`);
    await queryRunner.query(`CREATE INDEX tickets_queue ON tickets (tenant_id, queue_due_at, created_at, id)`);
    await queryRunner.query(`CREATE INDEX tickets_by_creator ON tickets (tenant_id, created_by, queue_due_at, created_at, id)`);
    await queryRunner.query(
      `CREATE INDEX tickets_platform_queue ON tickets (queue_due_at, created_at, id) WHERE status = 'ESCALATED' OR channel_type = 'PLATFORM_SUPPORT'`,
    );
    await queryRunner.query(`CREATE INDEX tickets_participants ON tickets USING gin (participant_ids)`);
    // What the SLA scheduler scans: only tickets whose clocks run.
    await queryRunner.query(
      `CREATE INDEX tickets_first_response_due ON tickets (first_response_due_at) WHERE status IN ('OPEN', 'IN_PROGRESS') AND first_response_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX tickets_resolution_due ON tickets (resolution_due_at) WHERE status IN ('OPEN', 'IN_PROGRESS')`);
    await enableTenantRls(queryRunner, 'tickets');

    await queryRunner.query(`
      CREATE TABLE ticket_history (
        id          bigserial PRIMARY KEY,
        tenant_id   text NOT NULL,
        ticket_id   uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        from_status text CHECK (from_status IN (${TICKET_STATUSES})),
        to_status   text NOT NULL CHECK (to_status IN (${TICKET_STATUSES})),
        actor_id    text NOT NULL,
        actor_role  text NOT NULL,
        reason      text,
        event_type  text,
        at          timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX ticket_history_of_ticket ON ticket_history (ticket_id, at, id)`);
    await enableTenantRls(queryRunner, 'ticket_history');

    // One row per tenant: locking it is what hands out numbers 1, 2, 3, ... without gaps or repeats.
    await queryRunner.query(`
      CREATE TABLE ticket_counters (
        tenant_id   text PRIMARY KEY,
        last_number integer NOT NULL
      )`);
    await enableTenantRls(queryRunner, 'ticket_counters');

    await queryRunner.query(`
      CREATE TABLE sla_policies (
        tenant_id              text NOT NULL,
        priority               text NOT NULL CHECK (priority IN (${PRIORITIES})),
        first_response_minutes double precision NOT NULL CHECK (first_response_minutes > 0),
        resolution_minutes     double precision NOT NULL CHECK (resolution_minutes > 0),
        updated_at             timestamptz NOT NULL,
        updated_by             text NOT NULL,
        PRIMARY KEY (tenant_id, priority)
      )`);
    await enableTenantRls(queryRunner, 'sla_policies');

    // A breach is fired at most once: its row is claimed in the transaction that writes its event.
    await queryRunner.query(`
      CREATE TABLE sla_breaches (
        tenant_id   text NOT NULL,
        ticket_id   uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        kind        text NOT NULL CHECK (kind IN ('FIRST_RESPONSE', 'RESOLUTION')),
        due_at      timestamptz NOT NULL,
        breached_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (ticket_id, kind, due_at)
      )`);
    await enableTenantRls(queryRunner, 'sla_breaches');

    // Staff messages seen before their channel's ticket exists (the events travel separately);
    // the ticket takes its first response from here when it opens.
    await queryRunner.query(`
      CREATE TABLE early_staff_messages (
        tenant_id   text NOT NULL,
        channel_id  uuid NOT NULL,
        sender_id   text NOT NULL,
        sender_type text NOT NULL,
        first_at    timestamptz NOT NULL,
        PRIMARY KEY (channel_id, sender_id)
      )`);
    await queryRunner.query(`CREATE INDEX early_staff_messages_age ON early_staff_messages (first_at)`);
    await enableTenantRls(queryRunner, 'early_staff_messages');

    await queryRunner.query(`
      CREATE TABLE canned_responses (
        id         uuid PRIMARY KEY,
        tenant_id  text NOT NULL,
        title      text NOT NULL,
        text       text NOT NULL,
        shortcut   text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // `/Refund` and `/refund` are one shortcut to whoever types it.
    await queryRunner.query(`CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (tenant_id, lower(shortcut))`);
    await enableTenantRls(queryRunner, 'canned_responses');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['canned_responses', 'early_staff_messages', 'sla_breaches', 'sla_policies', 'ticket_counters', 'ticket_history', 'tickets']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
