import { enableTenantRls } from '@chat/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Channels, their participants, and the users seen in tokens. */
export class ChannelsSchema1764150000000 implements MigrationInterface {
  name = 'ChannelsSchema1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE channels (
        id               uuid PRIMARY KEY,
        tenant_id        text NOT NULL,
        type             text NOT NULL CHECK (type IN ('SUPPORT', 'TEAM', 'TOURNAMENT', 'PLATFORM_SUPPORT')),
        status           text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'ESCALATED', 'RESOLVED', 'ARCHIVED')),
        name             text,
        created_by       text NOT NULL,
        assigned_to      text,
        escalated_to     text,
        metadata         jsonb,
        revision         integer NOT NULL DEFAULT 1,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_activity_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        resolved_at      timestamptz
      )`);
    // The list walks these in its order and stops after a page (keyset: last activity, then id).
    await queryRunner.query(`CREATE INDEX channels_tenant_activity ON channels (tenant_id, last_activity_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX channels_tenant_type_activity ON channels (tenant_id, type, last_activity_at DESC, id DESC)`);
    // Platform staff's queue across tenants.
    await queryRunner.query(
      `CREATE INDEX channels_platform_activity ON channels (last_activity_at DESC, id DESC) WHERE status = 'ESCALATED' OR type = 'PLATFORM_SUPPORT'`,
    );

    await queryRunner.query(`
      CREATE TABLE participants (
        channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        tenant_id  text NOT NULL,
        user_id    text NOT NULL,
        joined_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (channel_id, user_id)
      )`);
    await queryRunner.query(`CREATE INDEX participants_user ON participants (user_id, tenant_id, channel_id)`);

    await queryRunner.query(`
      CREATE TABLE seen_users (
        tenant_id    text NOT NULL,
        user_id      text NOT NULL,
        role         text NOT NULL CHECK (role IN ('SUPER_ADMIN', 'TENANT_ADMIN', 'MANAGEMENT_TEAM', 'PARTICIPANT')),
        name         text,
        last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, user_id)
      )`);
    await queryRunner.query(`CREATE INDEX seen_users_platform_staff ON seen_users (user_id) WHERE role = 'SUPER_ADMIN'`);

    for (const table of ['channels', 'participants', 'seen_users']) await enableTenantRls(queryRunner, table);
    // Platform staff belong to no tenant but act in all of them: every tenant scope (the kit sets
    // app.tenant_id) may read who they are, to show their role in a channel, to check an
    // escalation's target, to offer one in a picker.
    await queryRunner.query(`
      CREATE POLICY platform_staff_visible ON seen_users FOR SELECT
      USING (role = 'SUPER_ADMIN' AND coalesce(current_setting('app.tenant_id', true), '') <> '')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE seen_users`);
    await queryRunner.query(`DROP TABLE participants`);
    await queryRunner.query(`DROP TABLE channels`);
  }
}
