export { openDatabase } from './database.ts';
export { migrateOnly } from './migrate.ts';
export { ensureDatabase } from './ensure-database.ts';
export { enableTenantRls, APP_ROLE, type TenantRlsOptions } from './rls.ts';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
export { every } from './every.ts';
export { DatabaseUnavailableError, isConnectionFailure, sqlStateOf } from './errors.ts';
export type { DataSourceOptions as MigrateOnlyOptions } from './data-source.ts';
export type * from './types.ts';
