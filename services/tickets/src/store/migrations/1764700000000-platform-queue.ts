import { enableTenantRls } from '@chat/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const PLATFORM_CASES = `channel_status = 'ESCALATED' OR channel_type = 'PLATFORM_SUPPORT'`;

/**
 * Platform staff's queue from indexes instead of a scan of every tenant's tickets. Their queue is
 * the escalated and platform tickets, plus those they took part in. The first part gets a partial
 * index whose predicate is the query's (the old one named the ticket's status, which the query
 * does not). The second cannot use a GIN index on `participant_ids` under row-level security
 * (array containment is not LEAKPROOF), so the participants get a table of their own, kept by a
 * trigger from the array whatever code writes a ticket, and read by plain equality.
 */
export class PlatformQueue1764700000000 implements MigrationInterface {
  name = 'PlatformQueue1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_participants (
        tenant_id text NOT NULL,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        user_id   text NOT NULL,
        PRIMARY KEY (ticket_id, user_id)
      )`);
    await queryRunner.query(`CREATE INDEX ticket_participants_by_user ON ticket_participants (user_id, ticket_id)`);
    // Runs as the writer of the ticket, in its tenant's transaction: row-level security holds.
    await queryRunner.query(`
      CREATE FUNCTION keep_ticket_participants() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM ticket_participants WHERE ticket_id = NEW.id AND NOT (user_id = ANY (NEW.participant_ids));
        INSERT INTO ticket_participants (tenant_id, ticket_id, user_id)
          SELECT NEW.tenant_id, NEW.id, participant FROM unnest(NEW.participant_ids) AS participant
          ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER tickets_participants_inserted AFTER INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION keep_ticket_participants()`);
    await queryRunner.query(
      `CREATE TRIGGER tickets_participants_changed AFTER UPDATE OF participant_ids ON tickets
         FOR EACH ROW WHEN (OLD.participant_ids IS DISTINCT FROM NEW.participant_ids) EXECUTE FUNCTION keep_ticket_participants()`,
    );
    // The tickets already there, read past row-level security for this one statement: a
    // migrating owner is held by FORCE like everyone else.
    await queryRunner.query(`ALTER TABLE tickets NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`
      INSERT INTO ticket_participants (tenant_id, ticket_id, user_id)
      SELECT tenant_id, id, unnest(participant_ids) FROM tickets
      ON CONFLICT DO NOTHING`);
    await queryRunner.query(`ALTER TABLE tickets FORCE ROW LEVEL SECURITY`);
    await enableTenantRls(queryRunner, 'ticket_participants');

    await queryRunner.query(`DROP INDEX tickets_platform_queue`);
    await queryRunner.query(`CREATE INDEX tickets_platform_queue ON tickets (queue_due_at, created_at, id) WHERE ${PLATFORM_CASES}`);
    await queryRunner.query(`DROP INDEX tickets_participants`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX tickets_participants ON tickets USING gin (participant_ids)`);
    await queryRunner.query(`DROP INDEX tickets_platform_queue`);
    await queryRunner.query(
      `CREATE INDEX tickets_platform_queue ON tickets (queue_due_at, created_at, id) WHERE status = 'ESCALATED' OR channel_type = 'PLATFORM_SUPPORT'`,
    );
    await queryRunner.query(`DROP TRIGGER tickets_participants_changed ON tickets`);
    await queryRunner.query(`DROP TRIGGER tickets_participants_inserted ON tickets`);
    await queryRunner.query(`DROP FUNCTION keep_ticket_participants()`);
    await queryRunner.query(`DROP TABLE ticket_participants`);
  }
}
