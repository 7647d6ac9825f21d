import { makeEnvelope, SYSTEM_ACTOR, type EventEnvelope } from '@chat/contracts';
import type { Consumer, DeadLetter, EventBus } from '@chat/event-bus';
import { silentLogger } from '@chat/telemetry';
import { createTestDatabase, type TestDatabase } from '@chat/test-kit';
import { EntitySchema, type MigrationInterface, type QueryRunner } from 'typeorm';
import { enableTenantRls, openDatabase, type Database, type DatabaseOptions } from '../src/index.ts';

/** A tenant-owned sample table, and a row per aggregate that transactions lock before publishing. */
export class SampleSchema1700000000000 implements MigrationInterface {
  name = 'SampleSchema1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE notes (id bigserial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL)`);
    await enableTenantRls(queryRunner, 'notes');
    await queryRunner.query(`CREATE TABLE aggregates (id uuid PRIMARY KEY, tenant_id text NOT NULL, version int NOT NULL DEFAULT 0)`);
    await enableTenantRls(queryRunner, 'aggregates');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE aggregates');
    await queryRunner.query('DROP TABLE notes');
  }
}

export interface NoteRow {
  id: string;
  tenantId: string;
  body: string;
}

export const NoteEntity = new EntitySchema<NoteRow>({
  name: 'Note',
  tableName: 'notes',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    tenantId: { name: 'tenant_id', type: 'text' },
    body: { type: 'text' },
  },
});

/** A fresh database with the sample schema; `cleanup` closes what was opened and drops it. */
export async function sampleDatabase(prefix: string, overrides: Partial<DatabaseOptions> = {}) {
  const testDb = await createTestDatabase(prefix);
  const opened: Database[] = [];
  const open = async (more: Partial<DatabaseOptions> = {}) => {
    const db = await openDatabase({
      url: testDb.url,
      service: prefix,
      migrations: [SampleSchema1700000000000],
      entities: [NoteEntity],
      logger: silentLogger(),
      ...overrides,
      ...more,
    });
    opened.push(db);
    return db;
  };
  const db = await open();
  return {
    testDb,
    db,
    /** Another handle on the same database, like a second replica of the service. */
    open,
    async cleanup() {
      await Promise.all(opened.map((d) => d.close()));
      await testDb.drop();
    },
  };
}

export type { TestDatabase };

/** An event about aggregate `channelId`, carrying `seq` so tests can check order. */
export function sampleEvent(tenantId: string, channelId: string, seq: number): EventEnvelope<'message.read'> {
  return makeEnvelope('message.read', tenantId, SYSTEM_ACTOR, { channelId, userId: 'u1', seq });
}

/** The EventBus interface, recording what it is asked to publish; it can be told to fail. */
export class RecordingBus implements EventBus {
  readonly published: EventEnvelope[] = [];
  /** While set, publish rejects and records nothing. */
  failure: Error | null = null;
  /** Called on every publish before it resolves, e.g. to slow it down or share a log. */
  onPublish: ((events: readonly EventEnvelope[]) => Promise<void> | void) | null = null;
  publishCalls = 0;

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    this.publishCalls += 1;
    if (this.failure) throw this.failure;
    await this.onPublish?.(events);
    this.published.push(...events);
  }

  consume(): Promise<Consumer> {
    throw new Error('not used by the outbox');
  }

  isReady(): boolean {
    return this.failure === null;
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    return [];
  }

  async replayDeadLetters(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
