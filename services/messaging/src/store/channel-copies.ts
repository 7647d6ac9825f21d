import type { ChannelFacts, ChannelSnapshot, ChannelStatus, ChannelType } from '@chat/contracts';
import type { CrossTenantTx, ScopedTx, TenantTx } from '@chat/database';

/**
 * The local copy of a channel as one caller sees it. Rather than carry a tournament's whole
 * participant list on every send, the query answers whether the caller is among them; the
 * access rules only ever ask that about the caller.
 */
export interface ChannelView {
  id: string;
  tenantId: string;
  type: ChannelType;
  status: ChannelStatus;
  revision: number;
  callerIsParticipant: boolean;
}

/** The copy in the shape the shared access rules judge, seen from `userId`. */
export function factsFor(view: ChannelView, userId: string): ChannelFacts {
  return {
    tenantId: view.tenantId,
    type: view.type,
    status: view.status,
    participants: view.callerIsParticipant ? [{ userId }] : [],
  };
}

/** The columns `viewColumns` selects. */
export interface ViewRow {
  id: string;
  tenant_id: string;
  type: ChannelType;
  status: ChannelStatus;
  revision: number;
  caller_is_participant: boolean;
}

export const toView = (row: ViewRow): ChannelView => ({
  id: row.id,
  tenantId: row.tenant_id,
  type: row.type,
  status: row.status,
  revision: row.revision,
  callerIsParticipant: row.caller_is_participant,
});

/** The columns of a `ViewRow` from `channel_copies` (named `table` in the query), seen by the user `user` holds. */
export const viewColumns = (user: string, table = 'channel_copies') =>
  `${table}.id, ${table}.tenant_id, ${table}.type, ${table}.status, ${table}.revision, (${user} = ANY (${table}.participants)) AS caller_is_participant`;

export async function loadChannelView(tx: ScopedTx, channelId: string, userId: string): Promise<ChannelView | undefined> {
  const [row] = await tx.query<ViewRow>(`SELECT ${viewColumns('$2')} FROM channel_copies WHERE id = $1`, [channelId, userId]);
  return row && toView(row);
}

/** Views of several channels, each as one caller sees it, in one query; keyed by `viewKey`. */
export async function loadChannelViews(tx: ScopedTx, asks: ReadonlyArray<{ channelId: string; userId: string }>): Promise<Map<string, ChannelView>> {
  const rows = await tx.query<ViewRow & { user_id: string }>(
    `SELECT ${viewColumns('ask.user_id', 'c')}, ask.user_id
       FROM unnest($1::uuid[], $2::text[]) AS ask (channel_id, user_id)
       JOIN channel_copies c ON c.id = ask.channel_id`,
    [asks.map((ask) => ask.channelId), asks.map((ask) => ask.userId)],
  );
  return new Map(rows.map((row) => [viewKey(row.id, row.user_id), toView(row)]));
}

export const viewKey = (channelId: string, userId: string): string => `${channelId} ${userId}`;

/** The tenant a channel belongs to, for platform staff who act in the channel's tenant. */
export async function tenantOfChannel(tx: CrossTenantTx, channelId: string): Promise<string | undefined> {
  const [row] = await tx.query<{ tenant_id: string }>('SELECT tenant_id FROM channel_copies WHERE id = $1', [channelId]);
  return row?.tenant_id;
}

/**
 * Stores a snapshot unless the copy already holds the same or a newer revision, so late and
 * repeated events never move the copy back. Answers whether the copy changed.
 */
export async function storeSnapshot(tx: TenantTx, snapshot: ChannelSnapshot): Promise<boolean> {
  const changed = await tx.execute(
    `INSERT INTO channel_copies AS c
       (id, tenant_id, type, status, name, created_by, assigned_to, escalated_to, participants, revision, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO UPDATE SET
       status = EXCLUDED.status, name = EXCLUDED.name, assigned_to = EXCLUDED.assigned_to,
       escalated_to = EXCLUDED.escalated_to, participants = EXCLUDED.participants,
       revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
     WHERE c.revision < EXCLUDED.revision`,
    [
      snapshot.id,
      snapshot.tenantId,
      snapshot.type,
      snapshot.status,
      snapshot.name,
      snapshot.createdBy,
      snapshot.assignedTo,
      snapshot.escalatedTo,
      snapshot.participants.map((participant) => participant.userId),
      snapshot.revision,
      snapshot.updatedAt,
    ],
  );
  return changed > 0;
}

/**
 * Which channels of the transaction's scope to consider as possibly visible: the caller's own
 * (`participating`), every one (tenant staff, whose queue spans the tenant), or the caller's own
 * plus the escalated and platform ones (platform staff, across tenants).
 */
export type CandidateScope = 'participating' | 'all' | 'participating-or-platform';

const CANDIDATE_WHERE: Record<CandidateScope, string> = {
  participating: 'participants @> ARRAY[$1::text]',
  all: 'true',
  'participating-or-platform': `participants @> ARRAY[$1::text] OR status = 'ESCALATED' OR type = 'PLATFORM_SUPPORT'`,
};

/**
 * Candidates for what the caller may see; the shared rules then decide on each, this only keeps
 * the candidates few.
 */
export async function candidateChannels(tx: ScopedTx, userId: string, scope: CandidateScope): Promise<ChannelView[]> {
  const rows = await tx.query<ViewRow>(`SELECT ${viewColumns('$1')} FROM channel_copies WHERE ${CANDIDATE_WHERE[scope]}`, [userId]);
  return rows.map(toView);
}
