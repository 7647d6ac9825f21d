import { databaseUrl, exitOnConfigError, loadConfig, logLevel } from '@chat/config';
import { migrateOnly } from '@chat/database';
import { createLogger } from '@chat/telemetry';
import { z } from 'zod';
import type { ServiceDefinition } from './types.ts';

const migrateConfigSchema = z.object({ DATABASE_URL: databaseUrl, LOG_LEVEL: logLevel });

/**
 * The `migrate.ts` of every service: apply pending migrations to `DATABASE_URL` and exit. Run once
 * per release (a Kubernetes hook Job) while the service's pods start with `MIGRATE=0`.
 */
export async function runMigrationsMain(definition: ServiceDefinition): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(migrateConfigSchema));
  const logger = createLogger(`${definition.name}-migrate`, config.LOG_LEVEL);
  try {
    await migrateOnly({ url: config.DATABASE_URL, service: definition.name, migrations: definition.migrations, entities: definition.entities ?? [], logger });
  } catch (error) {
    logger.fatal({ err: error }, 'migrations failed');
    process.exit(1);
  }
}
