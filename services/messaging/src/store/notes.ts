import type { TenantTx } from '@chat/database';
import { NOTE_COLUMNS, type NoteRow } from './rows.ts';

/** Like a message, a note draws its `seq` from its channel's counter row, the 'note' stream. */
export async function insertNote(
  tx: TenantTx,
  note: { id: string; channelId: string; authorId: string; content: string },
): Promise<NoteRow> {
  const [row] = await tx.query<NoteRow>(
    `WITH next AS (
       INSERT INTO channel_sequences AS s (tenant_id, channel_id, stream, last_value)
       VALUES ($2, $3, 'note', 1)
       ON CONFLICT (channel_id, stream) DO UPDATE SET last_value = s.last_value + 1
       RETURNING last_value
     )
     INSERT INTO notes (id, tenant_id, channel_id, seq, author_id, content)
     SELECT $1, $2, $3, next.last_value, $4, $5 FROM next
     RETURNING ${NOTE_COLUMNS}`,
    [note.id, tx.tenantId, note.channelId, note.authorId, note.content],
  );
  if (!row) throw new Error('note insert returned nothing');
  return row;
}

export async function readNotes(tx: TenantTx, channelId: string, afterSeq: number, limit: number): Promise<{ rows: NoteRow[]; more: boolean }> {
  const rows = await tx.query<NoteRow>(
    `SELECT ${NOTE_COLUMNS} FROM notes WHERE channel_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3`,
    [channelId, afterSeq, limit + 1],
  );
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}
