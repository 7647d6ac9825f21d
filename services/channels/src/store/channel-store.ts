import type { ChannelStatus, ChannelType, Participant, Role } from '@chat/contracts';
import type { ScopedTx, TenantTx } from '@chat/database';
import type { ChannelRecord } from '../domain/channel.ts';

/**
 * The queries on channels and participants. Every one runs in a transaction of the kit, so row-
 * level security scopes it to a tenant (or, across tenants, to reading).
 */

export interface ChannelRow {
  id: string;
  tenant_id: string;
  type: ChannelType;
  status: ChannelStatus;
  name: string | null;
  created_by: string;
  assigned_to: string | null;
  escalated_to: string | null;
  metadata: Record<string, unknown> | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
  activity_key: string;
  resolved_at: Date | null;
}

interface ParticipantRow {
  channel_id: string;
  user_id: string;
  role: Role | null;
  name: string | null;
  joined_at: Date;
}

/** `activity_key`: the activity time to the microsecond, as the list's cursor needs it. */
export const CHANNEL_COLUMNS = `c.id, c.tenant_id, c.type, c.status, c.name, c.created_by, c.assigned_to, c.escalated_to,
  c.metadata, c.revision, c.created_at, c.updated_at, c.resolved_at,
  to_char(c.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS activity_key`;

/**
 * Participants with the role each was last seen with: in the channel's tenant, or as platform
 * staff (who are seen under their own tenant and act in every one).
 */
const PARTICIPANTS_SQL = `
  SELECT p.channel_id, p.user_id, p.joined_at, seen.role, seen.name
    FROM participants p
    LEFT JOIN LATERAL (
      SELECT u.role, u.name FROM seen_users u
       WHERE u.user_id = p.user_id AND (u.tenant_id = p.tenant_id OR u.role = 'SUPER_ADMIN')
       ORDER BY (u.tenant_id = p.tenant_id) DESC, u.last_seen_at DESC
       LIMIT 1
    ) seen ON true
   WHERE p.channel_id = ANY($1::uuid[])
   ORDER BY p.joined_at, p.user_id`;

export interface StoredChannel {
  record: ChannelRecord;
  /** The list position of this channel. */
  activityKey: string;
}

function toRecord(row: ChannelRow, participants: Participant[]): ChannelRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    status: row.status,
    name: row.name,
    createdBy: row.created_by,
    assignedTo: row.assigned_to,
    escalatedTo: row.escalated_to,
    metadata: row.metadata,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastActivityAt: new Date(row.activity_key).toISOString(),
    resolvedAt: row.resolved_at ? row.resolved_at.toISOString() : null,
    participants,
  };
}

async function participantsOf(tx: ScopedTx, channelIds: string[]): Promise<Map<string, Participant[]>> {
  const byChannel = new Map<string, Participant[]>(channelIds.map((id) => [id, []]));
  if (channelIds.length === 0) return byChannel;
  const rows = await tx.query<ParticipantRow>(PARTICIPANTS_SQL, [channelIds]);
  for (const row of rows) {
    byChannel.get(row.channel_id)?.push({ userId: row.user_id, role: row.role, joinedAt: row.joined_at.toISOString(), name: row.name });
  }
  return byChannel;
}

export async function withParticipants(tx: ScopedTx, rows: ChannelRow[]): Promise<ChannelRecord[]> {
  const participants = await participantsOf(tx, rows.map((row) => row.id));
  return rows.map((row) => toRecord(row, participants.get(row.id) ?? []));
}

/** Channel rows without their participants, for lists. */
export function withoutParticipants(rows: ChannelRow[]): StoredChannel[] {
  return rows.map((row) => ({ record: toRecord(row, []), activityKey: row.activity_key }));
}

export async function findChannel(tx: ScopedTx, id: string): Promise<ChannelRecord | null> {
  const rows = await tx.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels c WHERE c.id = $1`, [id]);
  return (await withParticipants(tx, rows))[0] ?? null;
}

/**
 * The channel, locked until the transaction ends: changes of one channel are serialised, so
 * their revisions and events follow commit order.
 */
export async function lockChannel(tx: TenantTx, id: string): Promise<ChannelRecord | null> {
  const rows = await tx.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels c WHERE c.id = $1 FOR UPDATE`, [id]);
  return (await withParticipants(tx, rows))[0] ?? null;
}

export interface NewChannel {
  id: string;
  type: ChannelType;
  name: string | null;
  createdBy: string;
  metadata: Record<string, unknown> | null;
}

export async function insertChannel(tx: TenantTx, channel: NewChannel): Promise<void> {
  await tx.execute(
    `INSERT INTO channels (id, tenant_id, type, name, created_by, metadata) VALUES ($1, $2, $3, $4, $5, $6)`,
    [channel.id, tx.tenantId, channel.type, channel.name, channel.createdBy, channel.metadata === null ? null : JSON.stringify(channel.metadata)],
  );
}

/** Adds those not yet in; answers who was added. */
export async function insertParticipants(tx: TenantTx, channelId: string, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await tx.query<{ user_id: string }>(
    `INSERT INTO participants (channel_id, tenant_id, user_id)
     SELECT $1, $2, user_id FROM unnest($3::text[]) WITH ORDINALITY AS added (user_id, position) ORDER BY position
     ON CONFLICT DO NOTHING RETURNING user_id`,
    [channelId, tx.tenantId, userIds],
  );
  return rows.map((row) => row.user_id);
}

export async function deleteParticipant(tx: TenantTx, channelId: string, userId: string): Promise<boolean> {
  return (await tx.execute(`DELETE FROM participants WHERE channel_id = $1 AND user_id = $2`, [channelId, userId])) > 0;
}

/** The fields a change of a channel may set; the change itself bumps revision and times. */
export interface ChannelChange {
  status: ChannelStatus;
  assignedTo: string | null;
  escalatedTo: string | null;
  /** The resolution time: set to now, cleared (reopened), or kept. */
  resolvedAt: 'set' | 'clear' | 'keep';
}

/** Records a change of a locked channel and answers it as it now is. */
export async function saveChange(tx: TenantTx, id: string, change: ChannelChange): Promise<ChannelRecord> {
  await tx.execute(
    `UPDATE channels
        SET status = $2, assigned_to = $3, escalated_to = $4,
            resolved_at = CASE $5::text WHEN 'set' THEN clock_timestamp() WHEN 'keep' THEN resolved_at ELSE NULL END,
            revision = revision + 1,
            updated_at = clock_timestamp(),
            last_activity_at = greatest(last_activity_at, clock_timestamp())
      WHERE id = $1`,
    [id, change.status, change.assignedTo, change.escalatedTo, change.resolvedAt],
  );
  const saved = await findChannel(tx, id);
  if (!saved) throw new Error(`channel ${id} vanished inside its own transaction`);
  return saved;
}

/**
 * `touchActivity` for several channels in one statement: each channel's activity moves up to the
 * time given for it. Answers the state of those that exist, by id.
 */
export async function touchActivities(
  tx: TenantTx,
  latest: ReadonlyMap<string, string>,
): Promise<Map<string, { status: ChannelStatus; resolvedAt: Date | null }>> {
  // Sorted, so that two batches sharing channels tend to lock them in the same order; a deadlock
  // between them all the same is retried by the kit.
  const ids = [...latest.keys()].sort();
  const rows = await tx.query<{ id: string; status: ChannelStatus; resolved_at: Date | null }>(
    `UPDATE channels c SET last_activity_at = greatest(c.last_activity_at, v.at)
       FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at)
      WHERE c.id = v.id
     RETURNING c.id, c.status, c.resolved_at`,
    [ids, ids.map((id) => latest.get(id))],
  );
  return new Map(rows.map((row) => [row.id, { status: row.status, resolvedAt: row.resolved_at }]));
}

/**
 * Moves the channel's last activity up to `at` (never back: events may arrive out of order);
 * answers what a reopen needs to know, or null for an unknown channel.
 */
export async function touchActivity(tx: TenantTx, id: string, at: string): Promise<{ status: ChannelStatus; resolvedAt: Date | null } | null> {
  const rows = await tx.query<{ status: ChannelStatus; resolved_at: Date | null }>(
    `UPDATE channels SET last_activity_at = greatest(last_activity_at, $2::timestamptz) WHERE id = $1 RETURNING status, resolved_at`,
    [id, at],
  );
  const row = rows[0];
  return row ? { status: row.status, resolvedAt: row.resolved_at } : null;
}
