import type { Message } from '@chat/contracts';
import type { CrossTenantTx, TenantTx } from '@chat/database';

export type EarlyStaffMessage = Pick<Message, 'senderId' | 'senderType'> & { at: Date };

/**
 * Keeps the earliest message of each staff sender in a channel whose ticket is not known yet. A
 * later message changes nothing and writes nothing (a team channel's staff talk all day here).
 */
export async function rememberEarlyStaffMessage(tx: TenantTx, message: Message): Promise<void> {
  await tx.execute(
    `INSERT INTO early_staff_messages (tenant_id, channel_id, sender_id, sender_type, first_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (channel_id, sender_id) DO UPDATE
       SET first_at = EXCLUDED.first_at, sender_type = EXCLUDED.sender_type
     WHERE EXCLUDED.first_at < early_staff_messages.first_at`,
    [tx.tenantId, message.channelId, message.senderId, message.senderType, new Date(message.createdAt)],
  );
}

/** The early messages of a channel, removed: its ticket has just opened and takes them over. */
export async function takeEarlyStaffMessages(tx: TenantTx, channelId: string): Promise<EarlyStaffMessage[]> {
  const rows = await tx.query<{ sender_id: string; sender_type: Message['senderType']; first_at: Date }>(
    `DELETE FROM early_staff_messages WHERE channel_id = $1 RETURNING sender_id, sender_type, first_at`,
    [channelId],
  );
  return rows.map((row) => ({ senderId: row.sender_id, senderType: row.sender_type, at: row.first_at }));
}

/**
 * Messages of channels that never got a ticket (team and tournament channels, whose messages
 * look the same) stop mattering once any ticket would long have opened; these find and drop them.
 */
export async function tenantsWithEarlyMessagesBefore(tx: CrossTenantTx, before: Date, limit: number): Promise<string[]> {
  const rows = await tx.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM early_staff_messages WHERE first_at < $1 LIMIT $2`,
    [before, limit],
  );
  return rows.map((row) => row.tenant_id);
}

export function forgetEarlyStaffMessagesBefore(tx: TenantTx, before: Date): Promise<number> {
  return tx.execute(`DELETE FROM early_staff_messages WHERE tenant_id = $1 AND first_at < $2`, [tx.tenantId, before]);
}
