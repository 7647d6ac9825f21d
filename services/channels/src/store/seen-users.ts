import type { Role, SeenUser } from '@chat/contracts';
import type { ScopedTx, TenantTx } from '@chat/database';

/** Records a caller; a token without a name keeps the name seen before. */
export async function upsertSeenUser(tx: TenantTx, user: { userId: string; role: Role; name: string | null }): Promise<void> {
  await tx.execute(
    `INSERT INTO seen_users (tenant_id, user_id, role, name, last_seen_at) VALUES ($1, $2, $3, $4, clock_timestamp())
     ON CONFLICT (tenant_id, user_id) DO UPDATE
        SET role = excluded.role, name = coalesce(excluded.name, seen_users.name), last_seen_at = excluded.last_seen_at`,
    [tx.tenantId, user.userId, user.role, user.name],
  );
}

/**
 * The role each of `userIds` was last seen with in `tenantId`, or as platform staff; users
 * never seen are absent from the answer.
 */
export async function knownRoles(tx: ScopedTx, tenantId: string, userIds: readonly string[]): Promise<Map<string, Role>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx.query<{ user_id: string; role: Role }>(
    `SELECT DISTINCT ON (user_id) user_id, role FROM seen_users
      WHERE user_id = ANY($2::text[]) AND (tenant_id = $1 OR role = 'SUPER_ADMIN')
      ORDER BY user_id, (tenant_id = $1) DESC, last_seen_at DESC`,
    [tenantId, userIds],
  );
  return new Map(rows.map((row) => [row.user_id, row.role]));
}

export interface SeenUserFilter {
  role?: Role | undefined;
  /** Part of the id or the name, any case. */
  q?: string | undefined;
  limit: number;
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The users seen in the transaction's tenant, and platform staff, by name. */
export async function listSeenUsers(tx: TenantTx, filter: SeenUserFilter): Promise<SeenUser[]> {
  const rows = await tx.query<{ user_id: string; role: Role; name: string | null; last_seen_at: Date }>(
    `SELECT DISTINCT ON (lower(coalesce(name, user_id)), user_id) user_id, role, name, last_seen_at
       FROM seen_users
      WHERE ($1::text IS NULL OR role = $1)
        AND ($2::text IS NULL OR user_id ILIKE $2 OR name ILIKE $2)
      ORDER BY lower(coalesce(name, user_id)), user_id, (tenant_id = $4) DESC
      LIMIT $3`,
    [filter.role ?? null, filter.q ? likePattern(filter.q) : null, filter.limit, tx.tenantId],
  );
  return rows.map((row) => ({ userId: row.user_id, role: row.role, name: row.name, lastSeenAt: row.last_seen_at.toISOString() }));
}
