import type { Message, Note, SenderType } from '@chat/contracts';

/** The columns of `messages` that make a Message; the tsvector stays in the database. */
export const MESSAGE_COLUMNS =
  'id, tenant_id, channel_id, seq, sender_id, sender_type, content, metadata, reactions, created_at, edited_at, deleted_at';

export interface MessageRow {
  id: string;
  tenant_id: string;
  channel_id: string;
  seq: number;
  sender_id: string;
  sender_type: SenderType;
  content: string;
  metadata: Record<string, unknown> | null;
  reactions: Record<string, number>;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
}

const iso = (time: Date | null): string | null => (time === null ? null : time.toISOString());

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    channelId: row.channel_id,
    tenantId: row.tenant_id,
    seq: row.seq,
    senderId: row.sender_id,
    senderType: row.sender_type,
    content: row.content,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
    editedAt: iso(row.edited_at),
    deletedAt: iso(row.deleted_at),
    reactions: row.reactions,
  };
}

export const NOTE_COLUMNS = 'id, tenant_id, channel_id, seq, author_id, content, created_at';

export interface NoteRow {
  id: string;
  tenant_id: string;
  channel_id: string;
  seq: number;
  author_id: string;
  content: string;
  created_at: Date;
}

export function toNote(row: NoteRow): Note {
  return {
    id: row.id,
    channelId: row.channel_id,
    tenantId: row.tenant_id,
    seq: row.seq,
    authorId: row.author_id,
    content: row.content,
    createdAt: row.created_at.toISOString(),
  };
}
