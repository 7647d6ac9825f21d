import { canSeeChannel, isStaff, type Principal } from '@chat/contracts';
import type { ScopedTx } from '@chat/database';
import { candidateChannels, factsFor, type ChannelView } from '../store/channel-copies.ts';

/**
 * The channels of the local copy that the caller may see, judged one by one by `canSeeChannel`.
 * The query only narrows the candidates: a participant's own channels; for tenant staff every
 * channel of the tenant; for platform staff their own plus the escalated and platform ones.
 */
export async function visibleChannels(tx: ScopedTx, principal: Principal): Promise<ChannelView[]> {
  const scope = principal.role === 'SUPER_ADMIN' ? 'participating-or-platform' : isStaff(principal.role) ? 'all' : 'participating';
  const candidates = await candidateChannels(tx, principal.userId, scope);
  return candidates.filter((channel) => canSeeChannel(principal, factsFor(channel, principal.userId)));
}
