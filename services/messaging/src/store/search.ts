import type { ScopedTx } from '@chat/database';
import { MESSAGE_COLUMNS, type MessageRow } from './rows.ts';

/** Where a ranked page ended: the next page starts below this rank (and id, among equals). */
export interface SearchPosition {
  rank: number;
  id: string;
}

export type SearchHit = MessageRow & { rank: number };

/**
 * Full-text search over the live (not deleted) messages of the given channels, best match
 * first. The query is read as a web search box would (`websearch_to_tsquery`: words, "quoted
 * phrases", -excluded, or), so no input is a syntax error. The GIN index on the generated
 * tsvector finds the matches; the channel list narrows them.
 */
export function searchQuery(
  query: string,
  channelIds: readonly string[],
  limit: number,
  after: SearchPosition | null,
): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT * FROM (
       SELECT ${MESSAGE_COLUMNS}, ts_rank(search, q) AS rank
         FROM messages, websearch_to_tsquery('simple', $1) AS q
        WHERE channel_id = ANY ($2::uuid[]) AND deleted_at IS NULL AND search @@ q
     ) hits
     WHERE $3::real IS NULL OR (rank, id) < ($3::real, $4::uuid)
     ORDER BY rank DESC, id DESC
     LIMIT $5`,
    params: [query, channelIds, after?.rank ?? null, after?.id ?? null, limit + 1],
  };
}

export async function searchMessages(
  tx: ScopedTx,
  query: string,
  channelIds: readonly string[],
  limit: number,
  after: SearchPosition | null,
): Promise<{ hits: SearchHit[]; more: boolean }> {
  if (channelIds.length === 0) return { hits: [], more: false };
  const { sql, params } = searchQuery(query, channelIds, limit, after);
  const rows = await tx.query<SearchHit>(sql, params);
  return { hits: rows.slice(0, limit), more: rows.length > limit };
}
