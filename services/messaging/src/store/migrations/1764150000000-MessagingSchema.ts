import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantRls } from '@chat/database';

/**
 * Under row-level security PostgreSQL evaluates the policy before any condition of the query
 * that is not LEAKPROOF, and only LEAKPROOF conditions may drive an index scan. The text-search
 * match `tsvector @@ tsquery` (ts_match_vq) is not marked so, which would leave the GIN index on
 * `messages.search` unused by every request and make each search scan the tenant's messages.
 * The function raises no error that depends on the row (a stored tsvector is already valid), so
 * marking it LEAKPROOF reveals nothing: policies still decide which rows exist for the query.
 * pg_proc is per database, so this touches the messaging database alone. Only a superuser may
 * mark a function LEAKPROOF; when the migration runs as a mere owner it says so and search still
 * works, through the (channel_id, seq) index and a filter. An operator can then run the ALTER
 * once as a superuser.
 */
const LET_SEARCH_USE_ITS_INDEX = `
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
  ELSIF NOT (SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.ts_match_vq(tsvector, tsquery)'::regprocedure) THEN
    RAISE WARNING 'messaging search cannot use its GIN index under row-level security until a superuser runs: ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF';
  END IF;
END
$$`;

/**
 * Messages, their read marks, reactions and internal notes, plus this service's copy of each
 * channel (fed by `channel.*` events) and the per-channel counters that hand out `seq`.
 */
export class MessagingSchema1764150000000 implements MigrationInterface {
  name = 'MessagingSchema1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What messaging knows of a channel: enough to judge `canSeeChannel` without asking channels.
    // `revision` is the owner's: a snapshot replaces the row only when it is newer.
    await queryRunner.query(`
      CREATE TABLE channel_copies (
        id           uuid PRIMARY KEY,
        tenant_id    text NOT NULL,
        type         text NOT NULL,
        status       text NOT NULL,
        name         text,
        created_by   text NOT NULL,
        assigned_to  text,
        escalated_to text,
        participants text[] NOT NULL DEFAULT '{}',
        revision     integer NOT NULL,
        updated_at   timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX channel_copies_participants ON channel_copies USING gin (participants)`);
    await queryRunner.query(`CREATE INDEX channel_copies_tenant ON channel_copies (tenant_id)`);

    // One row per channel and stream ('message', 'note'): the UPDATE of it in the writing
    // transaction serialises writers of one channel, and a rollback takes the number back,
    // so `seq` has neither gaps nor repeats whatever the number of replicas.
    await queryRunner.query(`
      CREATE TABLE channel_sequences (
        tenant_id  text NOT NULL,
        channel_id uuid NOT NULL,
        stream     text NOT NULL CHECK (stream IN ('message', 'note')),
        last_value integer NOT NULL,
        PRIMARY KEY (channel_id, stream)
      )`);

    await queryRunner.query(`
      CREATE TABLE messages (
        id                uuid PRIMARY KEY,
        tenant_id         text NOT NULL,
        channel_id        uuid NOT NULL,
        seq               integer NOT NULL,
        sender_id         text NOT NULL,
        sender_type       text NOT NULL,
        content           text NOT NULL,
        metadata          jsonb,
        client_message_id text,
        reactions         jsonb NOT NULL DEFAULT '{}',
        created_at        timestamptz NOT NULL DEFAULT now(),
        edited_at         timestamptz,
        deleted_at        timestamptz,
        search            tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED
      )`);
    // History pages (afterSeq / before) are range scans of this index in either direction.
    await queryRunner.query(`CREATE UNIQUE INDEX messages_channel_seq ON messages (channel_id, seq)`);
    // A retried send finds its first message; a concurrent retry collides here.
    await queryRunner.query(`CREATE UNIQUE INDEX messages_client_id ON messages (tenant_id, sender_id, client_message_id)`);
    await queryRunner.query(`CREATE INDEX messages_search ON messages USING gin (search)`);

    await queryRunner.query(`
      CREATE TABLE read_marks (
        tenant_id  text NOT NULL,
        channel_id uuid NOT NULL,
        user_id    text NOT NULL,
        seq        integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel_id, user_id)
      )`);

    await queryRunner.query(`
      CREATE TABLE message_reactions (
        tenant_id  text NOT NULL,
        message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        user_id    text NOT NULL,
        emoji      text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, user_id, emoji)
      )`);

    await queryRunner.query(`
      CREATE TABLE notes (
        id         uuid PRIMARY KEY,
        tenant_id  text NOT NULL,
        channel_id uuid NOT NULL,
        seq        integer NOT NULL,
        author_id  text NOT NULL,
        content    text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX notes_channel_seq ON notes (channel_id, seq)`);

    for (const table of ['channel_copies', 'channel_sequences', 'messages', 'read_marks', 'message_reactions', 'notes']) {
      await enableTenantRls(queryRunner, table);
    }
    await queryRunner.query(LET_SEARCH_USE_ITS_INDEX);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DO $$ BEGIN
      IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) NOT LEAKPROOF;
      END IF;
    END $$`);
    for (const table of ['notes', 'message_reactions', 'read_marks', 'messages', 'channel_sequences', 'channel_copies']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
