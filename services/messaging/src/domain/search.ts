import { canSeeChannel, Uuid, type Message, type Page } from '@chat/contracts';
import type { Database, ScopedTx } from '@chat/database';
import { toMessage } from '../store/rows.ts';
import { searchMessages, type SearchPosition } from '../store/search.ts';
import type { Caller, ChannelAccess } from './channel-access.ts';
import { visibleChannels } from './visible-channels.ts';

export type SearchHitMessage = Message & { rank: number };

export interface SearchRequest {
  q: string;
  channelId?: string | undefined;
  limit: number;
  after: SearchPosition | null;
}

/** The cursor is opaque to callers: where the last page ended, in base64url JSON. */
export function encodeSearchCursor(position: SearchPosition): string {
  return Buffer.from(JSON.stringify([position.rank, position.id])).toString('base64url');
}

/** Whether a rank can go back to PostgreSQL as a `real` (no overflow, no underflow to an error). */
function fitsReal(rank: number): boolean {
  const size = Math.abs(rank);
  return rank === 0 || (size >= 1e-37 && size <= 1e37);
}

/** The position a cursor names, or null when it is not one this service wrote. */
export function decodeSearchCursor(cursor: string): SearchPosition | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [rank, id] = value as [unknown, unknown];
    if (typeof rank !== 'number' || !fitsReal(rank) || !Uuid.safeParse(id).success) return null;
    return { rank, id: id as string };
  } catch {
    return null;
  }
}

/**
 * Full-text search over the messages of the channels the caller may read: one channel when
 * `channelId` is given (404 if it may not), else every channel it may see, within its tenant.
 */
export class Search {
  readonly #db: Database;
  readonly #access: ChannelAccess;

  constructor(db: Database, access: ChannelAccess) {
    this.#db = db;
    this.#access = access;
  }

  async search(caller: Caller, request: SearchRequest): Promise<Page<SearchHitMessage>> {
    const { principal } = caller;
    const { channelId } = request;
    if (channelId !== undefined) {
      return this.#access.withChannel(caller, channelId, canSeeChannel, (tx) => runSearch(tx, request, [channelId]));
    }
    return this.#db.inReachOf(principal, async (tx) => {
      const channels = await visibleChannels(tx, principal);
      return runSearch(tx, request, channels.map((channel) => channel.id));
    });
  }
}

async function runSearch(tx: ScopedTx, request: SearchRequest, channelIds: string[]): Promise<Page<SearchHitMessage>> {
  const { hits, more } = await searchMessages(tx, request.q, channelIds, request.limit, request.after);
  const last = hits.at(-1);
  return {
    items: hits.map((hit) => ({ ...toMessage(hit), rank: hit.rank })),
    nextCursor: more && last ? encodeSearchCursor({ rank: last.rank, id: last.id }) : null,
  };
}
