import { isTenantStaff, type ChannelStatus, type ChannelType, type Principal } from '@chat/contracts';
import type { ScopedTx } from '@chat/database';
import { CHANNEL_COLUMNS, withoutParticipants, type ChannelRow, type StoredChannel } from './channel-store.ts';
import type { ListPosition } from './cursor.ts';

export interface ListFilters {
  type?: ChannelType | undefined;
  status?: ChannelStatus | undefined;
}

export interface ChannelPage {
  items: StoredChannel[];
  /** Where the next page starts, or null after the last one. */
  next: ListPosition | null;
}

const ORDER = 'ORDER BY c.last_activity_at DESC, c.id DESC';

/** Collects positional parameters while a query is put together. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function filterSql(filters: ListFilters, after: ListPosition | null, params: Params): string {
  const conditions: string[] = [];
  if (filters.type) conditions.push(`c.type = ${params.add(filters.type)}`);
  if (filters.status) conditions.push(`c.status = ${params.add(filters.status)}`);
  if (after) conditions.push(`(c.last_activity_at, c.id) < (${params.add(after.activityAt)}::timestamptz, ${params.add(after.id)}::uuid)`);
  return conditions.map((condition) => ` AND ${condition}`).join('');
}

/**
 * `canSeeChannel` (contracts) as SQL for a caller of a tenant, so that a page is filled in the
 * database: participants see their channels but never a `TEAM` one unless they are staff, and
 * staff also the tenant's `SUPPORT` and `TOURNAMENT` queue. A property test holds the two equal.
 */
function tenantVisibilitySql(viewer: Principal, params: Params): string {
  const tenant = params.add(viewer.tenantId);
  const memberships = `SELECT p.channel_id FROM participants p WHERE p.tenant_id = ${tenant} AND p.user_id = ${params.add(viewer.userId)}`;
  const scope = `c.tenant_id = ${tenant}`;
  // Staff walk the tenant's activity index, checking memberships against a hash of them.
  if (isTenantStaff(viewer.role)) return `${scope} AND (c.type IN ('SUPPORT', 'TOURNAMENT') OR c.id IN (${memberships}))`;
  // A participant's channels are few: fetched by id from its memberships, then ordered.
  return `${scope} AND c.type <> 'TEAM' AND c.id = ANY (ARRAY(${memberships}))`;
}

/**
 * The query of one page of the channels `viewer` may see, newest activity first, `limit + 1`
 * rows (the extra one tells whether a next page exists). Each branch walks an index in the
 * list's order from the cursor on and stops after the page. Exported for plan checks (EXPLAIN).
 */
export function pageQuery(viewer: Principal, filters: ListFilters, after: ListPosition | null, limit: number): { sql: string; params: unknown[] } {
  const params = new Params();
  if (viewer.role !== 'SUPER_ADMIN') {
    const visible = tenantVisibilitySql(viewer, params);
    const sql = `SELECT ${CHANNEL_COLUMNS} FROM channels c WHERE ${visible}${filterSql(filters, after, params)} ${ORDER} LIMIT ${params.add(limit + 1)}`;
    return { sql, params: params.values };
  }
  // Platform staff, across tenants: the escalated and platform support queue, and wherever they
  // take part. Two index-backed branches, merged.
  const take = params.add(limit + 1);
  const platformVisible = `(c.status = 'ESCALATED' OR c.type = 'PLATFORM_SUPPORT')${filterSql(filters, after, params)}`;
  const memberOf = `c.id IN (SELECT p.channel_id FROM participants p WHERE p.user_id = ${params.add(viewer.userId)})${filterSql(filters, after, params)}`;
  const sql = `SELECT ${CHANNEL_COLUMNS} FROM (
      (SELECT c.* FROM channels c WHERE ${platformVisible} ${ORDER} LIMIT ${take})
      UNION
      (SELECT c.* FROM channels c WHERE ${memberOf} ${ORDER} LIMIT ${take})
    ) c ${ORDER} LIMIT ${take}`;
  return { sql, params: params.values };
}

/** One page; platform staff's runs across tenants, everyone else's in their tenant. */
export async function listVisibleChannels(
  tx: ScopedTx,
  viewer: Principal,
  filters: ListFilters,
  after: ListPosition | null,
  limit: number,
): Promise<ChannelPage> {
  const { sql, params } = pageQuery(viewer, filters, after, limit);
  const rows = await tx.query<ChannelRow>(sql, params);
  const items = withoutParticipants(rows.slice(0, limit));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { activityAt: last.activityKey, id: last.record.id } : null };
}
