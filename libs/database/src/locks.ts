/**
 * Advisory lock keys (two-int form: a namespace and an id). Advisory locks are scoped to the
 * current database, so every service database has its own.
 */
const NAMESPACE = 0x63686174; // 'chat'

/** Held (session-level) while one process runs migrations. */
export const MIGRATION_LOCK = [NAMESPACE, 1] as const;

/** Held (transaction-level) by the relay for one claim-publish-mark cycle. */
export const OUTBOX_RELAY_LOCK = [NAMESPACE, 2] as const;
