import { MigrationExecutor, type DataSource } from 'typeorm';
import { connectDataSource, type DataSourceOptions } from './data-source.ts';
import { asDatabaseError } from './errors.ts';
import { MIGRATION_LOCK } from './locks.ts';

/**
 * Runs pending migrations on one connection that holds an advisory lock, so replicas that start
 * together take turns: the first runs them, the others then find nothing pending. Each migration
 * runs in its own transaction. Answers the names of the migrations run.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<string[]> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'each';
      const done = await executor.executePendingMigrations();
      return done.map((m) => m.name);
    } finally {
      // A dead connection has released the lock with its session already.
      await queryRunner.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]).catch(() => undefined);
    }
  } catch (err) {
    throw asDatabaseError(err);
  } finally {
    await queryRunner.release();
  }
}

/** The "migrate then exit" command: connects, runs pending migrations, disconnects. */
export async function migrateOnly(options: DataSourceOptions): Promise<string[]> {
  const dataSource = await connectDataSource({ ...options, poolSize: 1 });
  try {
    const ran = await runPendingMigrations(dataSource);
    options.logger.info({ migrations: ran }, ran.length > 0 ? 'migrations applied' : 'no pending migrations');
    return ran;
  } finally {
    await dataSource.destroy();
  }
}
