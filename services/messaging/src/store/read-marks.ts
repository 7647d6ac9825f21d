import type { TenantTx } from '@chat/database';

/**
 * Moves the caller's mark up to `seq`, never beyond the channel's last message and never down.
 * Answers the stored mark and whether it moved.
 */
export async function raiseReadMark(tx: TenantTx, channelId: string, userId: string, seq: number): Promise<{ seq: number; moved: boolean }> {
  const [row] = await tx.query<{ moved: number | null; stored: number | null }>(
    `WITH target AS (
       SELECT LEAST($3::int, coalesce((SELECT last_value FROM channel_sequences WHERE channel_id = $1 AND stream = 'message'), 0)) AS seq
     ), raised AS (
       INSERT INTO read_marks AS r (tenant_id, channel_id, user_id, seq)
       SELECT $4, $1, $2, target.seq FROM target WHERE target.seq > 0
       ON CONFLICT (channel_id, user_id) DO UPDATE SET seq = EXCLUDED.seq, updated_at = now() WHERE r.seq < EXCLUDED.seq
       RETURNING seq
     )
     SELECT (SELECT seq FROM raised) AS moved,
            (SELECT seq FROM read_marks WHERE channel_id = $1 AND user_id = $2) AS stored`,
    [channelId, userId, seq, tx.tenantId],
  );
  if (row?.moved != null) return { seq: row.moved, moved: true };
  return { seq: row?.stored ?? 0, moved: false };
}
