import { z } from 'zod';
import type { ChannelStatus } from './enums.ts';
import { OpaqueId, Seq, Uuid } from './ids.ts';
import { SendMessageBody } from './requests.ts';
import type { Message, Note, Ticket } from './resources.ts';

/**
 * The Socket.IO protocol of namespace `/chat` (API.md "Socket.IO"): what a client may send, with
 * the schemas the gateway validates it with, and what the server emits. Shared by the gateway and
 * `@chat/chat-client`, so both ends agree on every name and shape.
 */
export const SOCKET_NAMESPACE = '/chat';

export const JoinChannelPayload = z.object({ channelId: Uuid });
export type JoinChannelPayload = z.infer<typeof JoinChannelPayload>;

export const LeaveChannelPayload = z.object({ channelId: Uuid });
export type LeaveChannelPayload = z.infer<typeof LeaveChannelPayload>;

export const SendMessagePayload = z.object({
  channelId: Uuid,
  content: SendMessageBody.shape.content,
  clientMessageId: SendMessageBody.shape.clientMessageId,
});
export type SendMessagePayload = z.infer<typeof SendMessagePayload>;

export const TypingPayload = z.object({ channelId: Uuid, isTyping: z.boolean() });
export type TypingPayload = z.infer<typeof TypingPayload>;

export const MarkReadPayload = z.object({ channelId: Uuid, seq: Seq });
export type MarkReadPayload = z.infer<typeof MarkReadPayload>;

/** The error of a refused socket request, in the shape of the REST error body's `error`. */
export interface SocketError {
  code: string;
  message: string;
  details?: unknown;
}

/** An acknowledgement: `{ok: true, ...result}` or `{ok: false, error}`. */
export type SocketAck<Result extends object = object> = ({ ok: true } & Result) | { ok: false; error: SocketError };

export interface ClientToServerEvents {
  join_channel(payload: JoinChannelPayload, ack?: (answer: SocketAck) => void): void;
  leave_channel(payload: LeaveChannelPayload, ack?: (answer: SocketAck) => void): void;
  send_message(payload: SendMessagePayload, ack?: (answer: SocketAck<{ message: Message }>) => void): void;
  typing(payload: TypingPayload): void;
  mark_read(payload: MarkReadPayload, ack?: (answer: SocketAck) => void): void;
}

export interface NewMessageEvent {
  channelId: string;
  message: Message;
}
export interface UserTypingEvent {
  channelId: string;
  userId: string;
  userName: string;
  isTyping: boolean;
}
export interface MessageReadEvent {
  channelId: string;
  userId: string;
  seq: number;
}
export interface ChannelStatusChangedEvent {
  channelId: string;
  status: ChannelStatus;
}
export interface ChannelAssignedEvent {
  channelId: string;
  assignedTo: string;
}
export interface ChannelEscalatedEvent {
  channelId: string;
  tenantId: string;
  escalatedTo: string | null;
  reason: string;
}
export interface MessageUpdatedEvent {
  channelId: string;
  message: Message;
}
export interface MessageDeletedEvent {
  channelId: string;
  messageId: string;
  seq: number;
}
export interface ReactionChangedEvent {
  channelId: string;
  messageId: string;
  reactions: Record<string, number>;
}
export interface NoteCreatedEvent {
  channelId: string;
  note: Note;
}
export interface TicketChangedEvent {
  ticket: Ticket;
}
/** The user now takes part in the channel (made with it, or added): its list may show it. */
export interface ChannelJoinedEvent {
  channelId: string;
  tenantId: string;
}
/** The user no longer takes part in the channel (removed, or left from another tab). */
export interface ChannelLeftEvent {
  channelId: string;
  tenantId: string;
}
export interface PresenceChangedEvent {
  userId: string;
  online: boolean;
}
export interface ResyncEvent {
  channelIds?: string[];
}
/**
 * A client-to-server event that carried no acknowledgement callback (or was not understood) was
 * refused: the socket learns why here instead of in an ack.
 */
export interface ChatErrorEvent {
  event: string;
  error: SocketError;
}

export interface ServerToClientEvents {
  new_message(event: NewMessageEvent): void;
  user_typing(event: UserTypingEvent): void;
  message_read(event: MessageReadEvent): void;
  channel_status_changed(event: ChannelStatusChangedEvent): void;
  channel_assigned(event: ChannelAssignedEvent): void;
  channel_escalated(event: ChannelEscalatedEvent): void;
  message_updated(event: MessageUpdatedEvent): void;
  message_deleted(event: MessageDeletedEvent): void;
  reaction_changed(event: ReactionChangedEvent): void;
  note_created(event: NoteCreatedEvent): void;
  ticket_changed(event: TicketChangedEvent): void;
  channel_joined(event: ChannelJoinedEvent): void;
  channel_left(event: ChannelLeftEvent): void;
  presence_changed(event: PresenceChangedEvent): void;
  resync(event: ResyncEvent): void;
  chat_error(event: ChatErrorEvent): void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ClientEventName = keyof ClientToServerEvents;
export const CLIENT_EVENT_NAMES: readonly ClientEventName[] = ['join_channel', 'leave_channel', 'send_message', 'typing', 'mark_read'];

/** `GET /api/chat/presence`: who of the caller's tenant is online. */
export const PresenceQuery = z.object({
  /** Comma-separated user ids to ask about (offline ones included); absent: everyone online. */
  userIds: z
    .string()
    .max(20_000)
    .transform((text) => [...new Set(text.split(',').map((id) => id.trim()).filter((id) => id !== ''))])
    .pipe(z.array(OpaqueId).max(200))
    .optional(),
});
export const PresenceItem = z.object({ userId: z.string(), online: z.boolean() });
export type PresenceItem = z.infer<typeof PresenceItem>;
