import type { SenderType } from '@chat/contracts';
import type { TenantTx } from '@chat/database';
import { MESSAGE_COLUMNS, type MessageRow } from './rows.ts';

export interface NewMessage {
  id: string;
  tenantId: string;
  channelId: string;
  senderId: string;
  senderType: SenderType;
  content: string;
  metadata: Record<string, unknown> | null;
  /** The sender's idempotency key; a second message with it is never written. */
  clientMessageId: string | null;
  /** Move the sender's read mark up to the new message (people do; the system has no mark). */
  marksRead: boolean;
}

export type InsertOutcome =
  | { kind: 'created'; row: MessageRow }
  /** A message with the same key exists. `seqDrawn`: a number was taken, so the transaction must roll back. */
  | { kind: 'duplicate'; seqDrawn: boolean };

/**
 * Writes a message in one statement: draws the channel's next `seq` from its counter row (which
 * stays locked until commit, so concurrent writers of the channel queue here and a rollback
 * returns the number), inserts the message and moves the sender's read mark.
 *
 * A key seen before draws no number. A concurrent twin that committed while this one waited for
 * the counter draws one and then collides on the unique key: that is `seqDrawn`, and the caller
 * must roll back so that the number is not lost.
 */
export async function insertMessage(tx: TenantTx, message: NewMessage): Promise<InsertOutcome> {
  const rows = await tx.query<MessageRow & { drawn: number; id: string | null }>(
    `WITH already AS (
       SELECT 1 FROM messages
        WHERE $8::text IS NOT NULL AND tenant_id = $2 AND sender_id = $4 AND client_message_id = $8
     ), next AS (
       INSERT INTO channel_sequences AS s (tenant_id, channel_id, stream, last_value)
       SELECT $2, $3, 'message', 1 WHERE NOT EXISTS (SELECT 1 FROM already)
       ON CONFLICT (channel_id, stream) DO UPDATE SET last_value = s.last_value + 1
       RETURNING last_value
     ), created AS (
       INSERT INTO messages (id, tenant_id, channel_id, seq, sender_id, sender_type, content, metadata, client_message_id)
       SELECT $1, $2, $3, next.last_value, $4, $5, $6, $7::jsonb, $8 FROM next
       ON CONFLICT (tenant_id, sender_id, client_message_id) DO NOTHING
       RETURNING ${MESSAGE_COLUMNS}
     ), marked AS (
       INSERT INTO read_marks AS r (tenant_id, channel_id, user_id, seq)
       SELECT tenant_id, channel_id, sender_id, seq FROM created WHERE $9::boolean
       ON CONFLICT (channel_id, user_id) DO UPDATE SET seq = GREATEST(r.seq, EXCLUDED.seq), updated_at = now()
     )
     SELECT next.last_value AS drawn, created.* FROM next LEFT JOIN created ON true`,
    [
      message.id,
      message.tenantId,
      message.channelId,
      message.senderId,
      message.senderType,
      message.content,
      message.metadata === null ? null : JSON.stringify(message.metadata),
      message.clientMessageId,
      message.marksRead,
    ],
  );
  const [row] = rows;
  if (!row) return { kind: 'duplicate', seqDrawn: false };
  if (row.id === null) return { kind: 'duplicate', seqDrawn: true };
  return { kind: 'created', row };
}

/**
 * Writes the messages of several senders, of any channels of one tenant, in one statement, as
 * `insertMessage` writes one: each channel's counter is moved once by the number of its messages
 * (counters taken in channel order, so that two such statements cannot wait on each other in a
 * circle), and its messages take the numbers in the order given. The sender's read mark moves up.
 *
 * A message whose key was seen before is not written (`fresh` leaves it out; the caller replays
 * it). One that collides with a twin committed while this waited for a counter has drawn a number
 * that would be lost: `collided`, and the caller must roll back. Keys must not repeat in `messages`.
 */
export async function insertMessages(tx: TenantTx, messages: readonly NewMessage[]): Promise<{ rows: MessageRow[]; collided: boolean }> {
  const rows = await tx.query<MessageRow & { fresh: string; id: string | null }>(
    `WITH input AS (
       SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY
         AS i (id, channel_id, sender_id, sender_type, content, metadata, client_message_id, ord)
     ), fresh AS (
       -- A look-up of the key's index per message (LATERAL ... LIMIT 1), never a scan of them all.
       SELECT i.* FROM input i
         LEFT JOIN LATERAL (
           SELECT true AS seen FROM messages m
            WHERE m.tenant_id = $1 AND m.sender_id = i.sender_id AND m.client_message_id = i.client_message_id
            LIMIT 1
         ) AS earlier ON true
        WHERE earlier.seen IS NULL
     ), counts AS (
       SELECT channel_id, count(*)::integer AS n FROM fresh GROUP BY channel_id
     ), drawn AS (
       INSERT INTO channel_sequences AS s (tenant_id, channel_id, stream, last_value)
       SELECT $1::text, channel_id, 'message', n FROM counts ORDER BY channel_id
       ON CONFLICT (channel_id, stream) DO UPDATE SET last_value = s.last_value + EXCLUDED.last_value
       RETURNING channel_id, last_value
     ), numbered AS (
       SELECT f.*, d.last_value - c.n + row_number() OVER (PARTITION BY f.channel_id ORDER BY f.ord) AS seq
         FROM fresh f JOIN counts c USING (channel_id) JOIN drawn d USING (channel_id)
     ), created AS (
       INSERT INTO messages (id, tenant_id, channel_id, seq, sender_id, sender_type, content, metadata, client_message_id)
       SELECT id, $1::text, channel_id, seq, sender_id, sender_type, content, metadata::jsonb, client_message_id FROM numbered ORDER BY ord
       ON CONFLICT (tenant_id, sender_id, client_message_id) DO NOTHING
       RETURNING ${MESSAGE_COLUMNS}
     ), marked AS (
       INSERT INTO read_marks AS r (tenant_id, channel_id, user_id, seq)
       SELECT $1::text, channel_id, sender_id, max(seq) FROM created GROUP BY channel_id, sender_id
       ON CONFLICT (channel_id, user_id) DO UPDATE SET seq = GREATEST(r.seq, EXCLUDED.seq), updated_at = now()
     )
     SELECT (SELECT count(*) FROM fresh) AS fresh, created.* FROM (SELECT 1) AS one LEFT JOIN created ON true`,
    [
      tx.tenantId,
      messages.map((message) => message.id),
      messages.map((message) => message.channelId),
      messages.map((message) => message.senderId),
      messages.map((message) => message.senderType),
      messages.map((message) => message.content),
      messages.map((message) => (message.metadata === null ? null : JSON.stringify(message.metadata))),
      messages.map((message) => message.clientMessageId),
    ],
  );
  const created = rows.filter((row): row is MessageRow & { fresh: string } => row.id !== null);
  return { rows: created, collided: created.length !== Number(rows[0]?.fresh ?? 0) };
}

export async function findByClientMessageId(tx: TenantTx, senderId: string, clientMessageId: string): Promise<MessageRow | undefined> {
  const [row] = await tx.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE tenant_id = $1 AND sender_id = $2 AND client_message_id = $3`,
    [tx.tenantId, senderId, clientMessageId],
  );
  return row;
}

/** Where a message lives, so that its channel can be judged before anything else is read. */
export async function locateMessage(
  tx: { query: TenantTx['query'] },
  messageId: string,
): Promise<{ tenantId: string; channelId: string } | undefined> {
  const [row] = await tx.query<{ tenant_id: string; channel_id: string }>('SELECT tenant_id, channel_id FROM messages WHERE id = $1', [messageId]);
  return row && { tenantId: row.tenant_id, channelId: row.channel_id };
}

/** The message, locked until commit: edits, deletes and reactions of one message take turns. */
export async function lockMessage(tx: TenantTx, messageId: string): Promise<MessageRow | undefined> {
  const [row] = await tx.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 FOR UPDATE`, [messageId]);
  return row;
}

export async function updateContent(tx: TenantTx, messageId: string, content: string): Promise<MessageRow> {
  const [row] = await tx.query<MessageRow>(
    `UPDATE messages SET content = $2, edited_at = now() WHERE id = $1 RETURNING ${MESSAGE_COLUMNS}`,
    [messageId, content],
  );
  if (!row) throw new Error(`message ${messageId} vanished while locked`);
  return row;
}

/** The tombstone keeps its place (`seq`) and nothing of what was said. */
export async function tombstone(tx: TenantTx, messageId: string): Promise<MessageRow> {
  await tx.execute('DELETE FROM message_reactions WHERE message_id = $1', [messageId]);
  const [row] = await tx.query<MessageRow>(
    `UPDATE messages SET content = '', metadata = NULL, reactions = '{}', deleted_at = now()
      WHERE id = $1 RETURNING ${MESSAGE_COLUMNS}`,
    [messageId],
  );
  if (!row) throw new Error(`message ${messageId} vanished while locked`);
  return row;
}

export interface HistoryPage {
  afterSeq?: number | undefined;
  before?: number | undefined;
  limit: number;
}

/**
 * The history query: a range of `seq` in one channel, read from the (channel_id, seq) index
 * forwards (`afterSeq`) or backwards (`before`, or the latest page). One row beyond the page
 * tells whether more follow.
 */
export function historyQuery(channelId: string, page: HistoryPage): { sql: string; params: unknown[]; forward: boolean } {
  const forward = page.afterSeq !== undefined;
  const params: unknown[] = [channelId];
  const bounds: string[] = [];
  if (page.afterSeq !== undefined) bounds.push(`seq > $${params.push(page.afterSeq)}`);
  if (page.before !== undefined) bounds.push(`seq < $${params.push(page.before)}`);
  const limit = `$${params.push(page.limit + 1)}`;
  const sql = `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel_id = $1${bounds.map((bound) => ` AND ${bound}`).join('')}
    ORDER BY seq ${forward ? 'ASC' : 'DESC'} LIMIT ${limit}`;
  return { sql, params, forward };
}

/** A page of history, oldest first, and the seq to continue from (see `HistoryResult`). */
export async function readHistory(tx: TenantTx, channelId: string, page: HistoryPage): Promise<{ rows: MessageRow[]; more: boolean; forward: boolean }> {
  const { sql, params, forward } = historyQuery(channelId, page);
  const rows = await tx.query<MessageRow>(sql, params);
  const more = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  return { rows: forward ? kept : kept.reverse(), more, forward };
}

/** Adds one user's emoji; answers false when the user had already reacted with it. */
export async function addReaction(tx: TenantTx, messageId: string, userId: string, emoji: string): Promise<boolean> {
  const added = await tx.execute(
    `INSERT INTO message_reactions (tenant_id, message_id, user_id, emoji) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [tx.tenantId, messageId, userId, emoji],
  );
  return added > 0;
}

export async function removeReaction(tx: TenantTx, messageId: string, userId: string, emoji: string): Promise<boolean> {
  const removed = await tx.execute('DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3', [messageId, userId, emoji]);
  return removed > 0;
}

export async function reactionsOfUser(tx: TenantTx, messageId: string, userId: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM message_reactions WHERE message_id = $1 AND user_id = $2', [messageId, userId]);
  return row?.n ?? 0;
}

/**
 * Recounts the message's `reactions` from the reaction rows. Called with the message locked,
 * so the count includes every reaction committed before and none can slip in meanwhile.
 */
export async function recountReactions(tx: TenantTx, messageId: string): Promise<MessageRow> {
  const [row] = await tx.query<MessageRow>(
    `UPDATE messages SET reactions = coalesce(
       (SELECT jsonb_object_agg(emoji, n) FROM (
          SELECT emoji, count(*)::int AS n FROM message_reactions WHERE message_id = $1 GROUP BY emoji) counted),
       '{}')
      WHERE id = $1 RETURNING ${MESSAGE_COLUMNS}`,
    [messageId],
  );
  if (!row) throw new Error(`message ${messageId} vanished while locked`);
  return row;
}
