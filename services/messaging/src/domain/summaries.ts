import { canSeeChannel, type Message } from '@chat/contracts';
import type { Database } from '@chat/database';
import { factsFor } from '../store/channel-copies.ts';
import { toMessage } from '../store/rows.ts';
import { channelSummaries } from '../store/summaries.ts';
import type { Caller } from './channel-access.ts';

export interface ChannelSummary {
  channelId: string;
  lastMessage: Message | null;
  unreadCount: number;
}

/**
 * For the gateway's channel list: per channel, the last message and the caller's unread count,
 * one query for the whole page. Judged on the local copy only (asking the owner for a page of
 * channels would defeat the point); a channel the copy does not show the caller, or does not know
 * yet, answers `{lastMessage: null, unreadCount: 0}`, which tells nothing about it.
 */
export async function summarizeChannels(db: Database, caller: Caller, channelIds: readonly string[]): Promise<ChannelSummary[]> {
  const { principal } = caller;
  const wanted = [...new Set(channelIds)];
  const rows = wanted.length === 0 ? [] : await db.inReachOf(principal, (tx) => channelSummaries(tx, wanted, principal.userId));
  const visible = new Map(
    rows.filter((row) => canSeeChannel(principal, factsFor(row.view, principal.userId))).map((row) => [row.view.id, row] as const),
  );
  return wanted.map((channelId) => {
    const row = visible.get(channelId);
    return {
      channelId,
      lastMessage: row?.lastMessage ? toMessage(row.lastMessage) : null,
      unreadCount: row?.unreadCount ?? 0,
    };
  });
}
