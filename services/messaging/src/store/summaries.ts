import type { ScopedTx } from '@chat/database';
import { toView, viewColumns, type ChannelView, type ViewRow } from './channel-copies.ts';
import { MESSAGE_COLUMNS, type MessageRow } from './rows.ts';

export interface SummaryRow {
  view: ChannelView;
  lastMessage: MessageRow | null;
  /** Messages above the caller's read mark: the channel's last seq minus the mark. */
  unreadCount: number;
}

const LAST_COLUMNS = MESSAGE_COLUMNS.split(', ')
  .map((column) => `last.${column} AS last_${column}`)
  .join(', ');

type Row = ViewRow & { unread: number } & { [K in keyof MessageRow as `last_${K}`]: MessageRow[K] | null };

function lastMessageOf(row: Row): MessageRow | null {
  if (row.last_id === null) return null;
  const message: Record<string, unknown> = {};
  for (const column of MESSAGE_COLUMNS.split(', ')) message[column] = row[`last_${column}` as keyof Row];
  return message as unknown as MessageRow;
}

/**
 * For a page of channels, in one query: the copy (for the access rules), the last message
 * (from the end of the (channel_id, seq) index) and the caller's unread count.
 */
export async function channelSummaries(tx: ScopedTx, channelIds: readonly string[], userId: string): Promise<SummaryRow[]> {
  const rows = await tx.query<Row>(
    `SELECT ${viewColumns('$2', 'c')},
            greatest(coalesce(s.last_value, 0) - coalesce(r.seq, 0), 0) AS unread, ${LAST_COLUMNS}
       FROM channel_copies c
       LEFT JOIN channel_sequences s ON s.channel_id = c.id AND s.stream = 'message'
       LEFT JOIN read_marks r ON r.channel_id = c.id AND r.user_id = $2
       LEFT JOIN LATERAL (
         SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.channel_id = c.id ORDER BY m.seq DESC LIMIT 1
       ) last ON true
      WHERE c.id = ANY ($1::uuid[])`,
    [channelIds, userId],
  );
  return rows.map((row) => ({
    view: toView(row),
    lastMessage: lastMessageOf(row),
    unreadCount: row.unread,
  }));
}
