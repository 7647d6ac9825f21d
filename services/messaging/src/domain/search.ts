import { canSeeChannel, Uuid, type Message, type Page } from '@chat/contracts';
import type { Database, ScopedTx } from '@chat/database';
import { cursorCodec } from '@chat/http-kit';
import { z } from 'zod';
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

/** Whether a rank can go back to PostgreSQL as a `real` (no overflow, no underflow to an error). */
function fitsReal(rank: number): boolean {
  const size = Math.abs(rank);
  return rank === 0 || (size >= 1e-37 && size <= 1e37);
}

/** Where the last page ended: the last hit's rank and id. */
const codec = cursorCodec(z.tuple([z.number().refine(fitsReal), Uuid]));

export const encodeSearchCursor = (position: SearchPosition): string => codec.encode([position.rank, position.id]);

/** The position a cursor names; 400 `INVALID_CURSOR` for anything this service did not write. */
export function decodeSearchCursor(cursor: string): SearchPosition {
  const [rank, id] = codec.decode(cursor);
  return { rank, id };
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
