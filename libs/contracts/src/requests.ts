import { z } from 'zod';
import { ChannelStatus, ChannelType, Role, TicketCategory, TicketPriority, TicketStatus } from './enums.ts';
import { Metadata, OpaqueId, Seq, SeqParam, Text } from './ids.ts';

/** Bounds shared by every list endpoint. */
export const Limit = z.coerce.number().int().min(1).max(200).default(50);
export const Cursor = Text.min(1).max(512);

export const CreateChannelBody = z.strictObject({
  type: ChannelType,
  name: Text.trim().min(1).max(200).optional(),
  participantIds: z.array(OpaqueId).max(500).optional(),
  metadata: Metadata.optional(),
  subject: Text.trim().min(1).max(300).optional(),
  category: TicketCategory.optional(),
  priority: TicketPriority.optional(),
});
export type CreateChannelBody = z.infer<typeof CreateChannelBody>;

export const ListChannelsQuery = z.object({
  type: ChannelType.optional(),
  status: ChannelStatus.optional(),
  limit: Limit,
  cursor: Cursor.optional(),
});

export const SendMessageBody = z.strictObject({
  content: Text.min(1).max(10_000),
  clientMessageId: Text.min(1).max(128).optional(),
  metadata: Metadata.optional(),
});
export type SendMessageBody = z.infer<typeof SendMessageBody>;

export const ListMessagesQuery = z.object({
  limit: Limit,
  before: SeqParam.min(1).optional(),
  afterSeq: SeqParam.optional(),
});

export const EscalateBody = z.strictObject({
  reason: Text.trim().min(1).max(2_000),
  escalateTo: OpaqueId.optional(),
});
export const AssignBody = z.strictObject({ assigneeId: OpaqueId });
export const ResolveBody = z.strictObject({ resolution: Text.trim().max(5_000).optional() });
export const MarkReadBody = z.strictObject({ seq: Seq });
export const AddParticipantBody = z.strictObject({ userId: OpaqueId });
export const NoteBody = z.strictObject({ content: Text.min(1).max(10_000) });

export const ListTicketsQuery = z.object({
  status: TicketStatus.optional(),
  priority: TicketPriority.optional(),
  category: TicketCategory.optional(),
  assignedTo: OpaqueId.optional(),
  limit: Limit,
  cursor: Cursor.optional(),
});

export const DevTokenBody = z.strictObject({
  userId: OpaqueId,
  tenantId: OpaqueId,
  role: Role,
  name: Text.max(200).optional(),
});
