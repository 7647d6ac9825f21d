import { z } from 'zod';
import { Seq, SeqParam, Text, Uuid } from './ids.ts';
import { Cursor, Limit } from './requests.ts';
import { Message } from './resources.ts';

/**
 * Requests and answers of the messaging service beyond the v1 table of API.md: edits,
 * reactions, search, note paging, read marks, and the channel summaries the gateway asks for.
 */
export const EditMessageBody = z.strictObject({ content: Text.min(1).max(10_000) });
export type EditMessageBody = z.infer<typeof EditMessageBody>;

/** One reaction: an emoji or a short name such as `:tada:`; no whitespace or control characters. */
export const Emoji = Text.min(1).max(64).regex(/^[^\s\p{Cc}]+$/u, 'An emoji has no whitespace or control characters');

export const ReactionBody = z.strictObject({ emoji: Emoji });
export type ReactionBody = z.infer<typeof ReactionBody>;

export const ListNotesQuery = z.object({
  afterSeq: SeqParam.optional(),
  limit: Limit,
});

export const SearchMessagesQuery = z.object({
  q: Text.trim().min(1).max(256),
  channelId: Uuid.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: Cursor.optional(),
});

/** A search result: the message and how well it matched (higher is better). */
export const SearchHit = Message.extend({ rank: z.number() });
export type SearchHit = z.infer<typeof SearchHit>;

/** `POST /api/chat/channels/:id/read` answers the stored mark. */
export const ReadMark = z.object({ channelId: Uuid, userId: z.string(), seq: Seq });
export type ReadMark = z.infer<typeof ReadMark>;

/** `POST /internal/channel-summaries`: a page of the gateway's channel list. */
export const ChannelSummariesBody = z.strictObject({ channelIds: z.array(Uuid).max(200) });
export type ChannelSummariesBody = z.infer<typeof ChannelSummariesBody>;

export const ChannelSummary = z.object({
  channelId: Uuid,
  lastMessage: Message.nullable(),
  unreadCount: z.number().int().nonnegative(),
});
export type ChannelSummary = z.infer<typeof ChannelSummary>;
export const ChannelSummaries = z.object({ items: z.array(ChannelSummary) });
