import { canSeeChannel, type Principal } from '@chat/contracts';
import type { Database } from '@chat/database';
import { findChannel } from '../store/channel-store.ts';
import { decodeCursor, encodeCursor } from '../store/cursor.ts';
import { listVisibleChannels, type ListFilters } from '../store/list-query.ts';
import type { ChannelRecord } from './channel.ts';
import { channelNotFound } from './refusal.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ChannelListPage {
  items: ChannelRecord[];
  nextCursor: string | null;
}

/**
 * The tenant a caller acts in on a channel: its own, except for platform staff, who act in the
 * channel's tenant once they may see the channel there.
 */
export async function tenantForChannel(db: Database, principal: Principal, channelId: string): Promise<string> {
  if (!UUID.test(channelId)) throw channelNotFound();
  if (principal.role !== 'SUPER_ADMIN') return principal.tenantId;
  const channel = await db.acrossTenants((tx) => findChannel(tx, channelId));
  if (!channel || !canSeeChannel(principal, channel)) throw channelNotFound();
  return channel.tenantId;
}

/** The channel with its participants, if `principal` may see it; else 404, whatever the reason. */
export async function getVisibleChannel(db: Database, principal: Principal, channelId: string): Promise<ChannelRecord> {
  if (!UUID.test(channelId)) throw channelNotFound();
  const channel = await db.inReachOf(principal, (tx) => findChannel(tx, channelId));
  if (!channel || !canSeeChannel(principal, channel)) throw channelNotFound();
  return channel;
}

/** A page of the channels `principal` may see; an unusable cursor is refused (400). */
export async function listChannels(
  db: Database,
  principal: Principal,
  query: ListFilters & { limit: number; cursor?: string | undefined },
): Promise<ChannelListPage> {
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
  const filters = { type: query.type, status: query.status };
  const page = await db.inReachOf(principal, (tx) => listVisibleChannels(tx, principal, filters, after, query.limit));
  return { items: page.items.map((item) => item.record), nextCursor: page.next ? encodeCursor(page.next) : null };
}
