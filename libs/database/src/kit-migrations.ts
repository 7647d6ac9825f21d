import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, ensureAppRoleSql, grantSequencesOf } from './rls.ts';
import type { MigrationClass } from './types.ts';

/**
 * The kit's own schema: the request role, the outbox and the inbox. Dated 2001 so that TypeORM,
 * which orders migrations by the timestamp in their names, runs it before any service's.
 */
export class DatabaseKitBase1000000000000 implements MigrationInterface {
  name = 'DatabaseKitBase1000000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(ensureAppRoleSql());

    // Events written in a state change's transaction, waiting for the relay (outbox-relay.ts).
    await queryRunner.query(`
      CREATE TABLE outbox (
        position     bigserial PRIMARY KEY,
        event_id     uuid NOT NULL,
        aggregate_id text NOT NULL,
        type         text NOT NULL,
        tenant_id    text NOT NULL,
        envelope     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL`);
    await queryRunner.query(`CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL`);
    // Request transactions only append; the relay reads and marks as the owner.
    await queryRunner.query(`GRANT INSERT ON outbox TO ${APP_ROLE}`);
    await grantSequencesOf(queryRunner, 'outbox');

    // Events a consumer has applied: the insert of (consumer, event_id) in the handler's
    // transaction is what makes a redelivery a no-op.
    await queryRunner.query(`
      CREATE TABLE processed_events (
        consumer     text NOT NULL,
        event_id     uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX processed_events_processed_at ON processed_events (processed_at)`);
    await queryRunner.query(`GRANT INSERT ON processed_events TO ${APP_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE processed_events`);
    await queryRunner.query(`DROP TABLE outbox`);
    // The role is cluster-wide and may serve other databases: it stays.
  }
}

export const KIT_MIGRATIONS: MigrationClass[] = [DatabaseKitBase1000000000000];
