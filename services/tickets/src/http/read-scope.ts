import type { Principal } from '@chat/contracts';
import type { Database, ScopedTx } from '@chat/database';

/**
 * Runs a read in the scope a caller reads in: platform staff across tenants (what they may see
 * is then filtered by the visibility rules), everyone else in their own tenant only.
 */
export function readAs<T>(db: Database, principal: Principal, fn: (tx: ScopedTx) => Promise<T>): Promise<T> {
  return principal.role === 'SUPER_ADMIN' ? db.acrossTenants(fn) : db.inTenant(principal.tenantId, fn);
}
