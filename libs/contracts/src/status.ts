import type { ChannelStatus } from './enums.ts';

/** Everything that can happen to an existing channel. */
export type ChannelAction = 'escalate' | 'assign' | 'resolve' | 'archive' | 'reopen' | 'add_participant' | 'remove_participant';

/**
 * The states each action may start from (API.md: a move the status cannot make is a 409). An
 * archived channel is read-only, so nothing starts there; a resolved case is closed until a
 * participant writes again (reopen), so it is neither escalated nor assigned, and resolving it
 * twice means nothing. Escalating an escalated channel is only the platform's taking of the case,
 * decided in the escalation itself. The channels service enforces it; the console offers no more.
 */
const ALLOWED_FROM: Record<ChannelAction, readonly ChannelStatus[]> = {
  escalate: ['ACTIVE'],
  assign: ['ACTIVE', 'ESCALATED'],
  resolve: ['ACTIVE', 'ESCALATED'],
  archive: ['ACTIVE', 'ESCALATED', 'RESOLVED'],
  reopen: ['RESOLVED'],
  add_participant: ['ACTIVE', 'ESCALATED', 'RESOLVED'],
  remove_participant: ['ACTIVE', 'ESCALATED', 'RESOLVED'],
};

export function mayStartFrom(action: ChannelAction, status: ChannelStatus): boolean {
  return ALLOWED_FROM[action].includes(status);
}
