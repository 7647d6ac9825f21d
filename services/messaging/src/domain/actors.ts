import type { Principal } from '@chat/contracts';
import type { MessageRow } from '../store/rows.ts';

/**
 * Whether the caller wrote the message. User ids are opaque and only unique within a tenant, so a
 * platform admin and a tenant user who happen to share an id are still told apart; nobody owns
 * what the system wrote.
 */
export function isAuthorOf(principal: Principal, message: MessageRow): boolean {
  if (message.sender_type === 'SYSTEM' || message.sender_id !== principal.userId) return false;
  return (message.sender_type === 'SUPER_ADMIN') === (principal.role === 'SUPER_ADMIN');
}
