import { z } from 'zod';
import { ChannelStatus, ChannelType, Role, SenderType, TicketCategory, TicketPriority, TicketStatus } from './enums.ts';
import { IsoTime, Metadata, OpaqueId, Uuid } from './ids.ts';

export const Participant = z.object({
  userId: OpaqueId,
  role: Role.nullable(),
  joinedAt: IsoTime,
  /** The display name in that user's own latest token: what the others in the channel call them. */
  name: z.string().nullable(),
});
export type Participant = z.infer<typeof Participant>;

export const Message = z.object({
  id: Uuid,
  channelId: Uuid,
  tenantId: OpaqueId,
  seq: z.number().int().positive(),
  senderId: OpaqueId,
  senderType: SenderType,
  content: z.string(),
  metadata: Metadata.nullable(),
  createdAt: IsoTime,
  editedAt: IsoTime.nullable(),
  deletedAt: IsoTime.nullable(),
  reactions: z.record(z.string(), z.number().int()).optional(),
});
export type Message = z.infer<typeof Message>;

export const Channel = z.object({
  id: Uuid,
  tenantId: OpaqueId,
  type: ChannelType,
  status: ChannelStatus,
  name: z.string().nullable(),
  createdBy: OpaqueId,
  assignedTo: OpaqueId.nullable(),
  escalatedTo: OpaqueId.nullable(),
  metadata: Metadata.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  participants: z.array(Participant).optional(),
  lastMessage: Message.nullable().optional(),
  unreadCount: z.number().int().nonnegative().optional(),
  /** The latest of its opening, its last change and its last message: the channel list's order (channels service). */
  lastActivityAt: IsoTime.optional(),
});
export type Channel = z.infer<typeof Channel>;

export const Ticket = z.object({
  id: Uuid,
  number: z.number().int().positive(),
  channelId: Uuid,
  tenantId: OpaqueId,
  subject: z.string(),
  category: TicketCategory,
  priority: TicketPriority,
  status: TicketStatus,
  createdBy: OpaqueId,
  assignedTo: OpaqueId.nullable(),
  escalatedTo: OpaqueId.nullable(),
  resolution: z.string().nullable(),
  resolvedAt: IsoTime.nullable(),
  resolvedBy: OpaqueId.nullable(),
  firstResponseAt: IsoTime.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  /** SLA clocks: when the first staff answer, and the resolution, are due (tickets service). */
  firstResponseDueAt: IsoTime.nullable().optional(),
  resolutionDueAt: IsoTime.nullable().optional(),
});
export type Ticket = z.infer<typeof Ticket>;

export const Note = z.object({
  id: Uuid,
  channelId: Uuid,
  tenantId: OpaqueId,
  seq: z.number().int().positive(),
  authorId: OpaqueId,
  content: z.string(),
  createdAt: IsoTime,
});
export type Note = z.infer<typeof Note>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export type Page<T> = { items: T[]; nextCursor: string | null };

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
