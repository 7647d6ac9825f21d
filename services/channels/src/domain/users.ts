import { isStaff, type Principal, type Role, type SeenUser } from '@chat/contracts';
import type { Database } from '@chat/database';
import { listSeenUsers } from '../store/seen-users.ts';
import { getVisibleChannel } from './channel-reads.ts';
import { forbidden } from './refusal.ts';

export interface UserQuery {
  role?: Role | undefined;
  q?: string | undefined;
  limit: number;
  /** The users of this channel's tenant (how platform staff pick an assignee); it must be visible. */
  channelId?: string | undefined;
}

/** Refuses (403) a caller who is not staff. */
export function requireMayListUsers(principal: Principal): void {
  if (!isStaff(principal.role)) throw forbidden('Only staff may list users');
}

/** The users seen in the caller's tenant (or a visible channel's), and platform staff, for staff's pickers. */
export async function listUsersFor(db: Database, principal: Principal, query: UserQuery): Promise<SeenUser[]> {
  requireMayListUsers(principal);
  const tenantId = query.channelId === undefined ? principal.tenantId : (await getVisibleChannel(db, principal, query.channelId)).tenantId;
  return db.inTenant(tenantId, (tx) => listSeenUsers(tx, { role: query.role, q: query.q, limit: query.limit }));
}
