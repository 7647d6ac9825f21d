import type { Logger } from '@chat/telemetry';
import { DataSource, type EntitySchema, type Logger as TypeOrmLogger } from 'typeorm';
import { asDatabaseError } from './errors.ts';
import { KIT_MIGRATIONS } from './kit-migrations.ts';
import type { MigrationClass } from './types.ts';

export interface DataSourceOptions {
  url: string;
  service: string;
  migrations: MigrationClass[];
  entities?: EntitySchema[];
  poolSize?: number;
  logger: Logger;
}

/** How long a request waits for a pooled connection before the database counts as unavailable. */
const CONNECT_TIMEOUT_MS = 5_000;
const IDLE_CONNECTION_MS = 30_000;

/** TypeORM's logging routed to the service's logger; failing queries are the caller's to report. */
function typeormLogger(logger: Logger): TypeOrmLogger {
  return {
    logQuery: () => undefined,
    logQueryError: (error, query) => logger.debug({ err: error, query }, 'query failed'),
    logQuerySlow: (time, query) => logger.warn({ ms: time, query }, 'slow query'),
    logSchemaBuild: (message) => logger.debug(message),
    logMigration: (message) => logger.info(message),
    log: (level, message) => (level === 'warn' ? logger.warn(String(message)) : logger.debug(String(message))),
  };
}

/** TypeORM orders by the timestamp in the name; the kit's migrations must stay first. */
function checkMigrationOrder(migrations: MigrationClass[]): void {
  const nameOf = (m: MigrationClass) => new m().name ?? m.name;
  const timestampOf = (m: MigrationClass) => Number(nameOf(m).slice(-13));
  const lastKit = Math.max(...KIT_MIGRATIONS.map(timestampOf));
  for (const m of migrations) {
    if (!(timestampOf(m) > lastKit)) {
      throw new Error(`migration ${nameOf(m)} must end with a 13-digit timestamp later than ${lastKit}`);
    }
  }
}

/**
 * Prepared statements (statements.ts) keep one generic plan. The services' statements look rows up
 * by key or walk an index by a range; a plan made for the values at hand would be the same plan,
 * yet PostgreSQL makes one on every execution of a statement whose generic plan it misjudges
 * (one that unnests arrays, such as a batch of sends), and planning was the largest part of such a
 * statement's time: a third of a send's, on a small machine.
 */
const PLAN_CACHE_MODE = 'force_generic_plan';

/** A connected DataSource: the kit's migrations then the service's, none run yet. */
export async function connectDataSource(options: DataSourceOptions): Promise<DataSource> {
  checkMigrationOrder(options.migrations);
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.service,
    entities: options.entities ?? [],
    migrations: [...KIT_MIGRATIONS, ...options.migrations],
    migrationsRun: false,
    synchronize: false,
    poolSize: options.poolSize ?? 10,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    extra: { idleTimeoutMillis: IDLE_CONNECTION_MS, options: `-c plan_cache_mode=${PLAN_CACHE_MODE}` },
    // A connection the server dropped while idle is discarded by the pool; only say so.
    poolErrorHandler: (err: unknown) => options.logger.warn({ err }, 'idle database connection lost'),
    logger: typeormLogger(options.logger),
  });
  try {
    await dataSource.initialize();
  } catch (err) {
    throw asDatabaseError(err);
  }
  return dataSource;
}
