import type { RequestHandler } from 'express';
import { parseQuery, principalOf, serviceUnavailable } from '@chat/http-kit';
import { PresenceQuery, type PresenceItem } from '@chat/contracts';
import type { PresenceStore } from '../store/presence.ts';

/** `GET /api/chat/presence`: who of the caller's tenant is online (`?userIds=a,b` for those only). */
export function presence(store: PresenceStore): RequestHandler {
  return async (req, res) => {
    const { tenantId } = principalOf(req);
    const { userIds } = parseQuery(PresenceQuery, req);
    // Presence lives in Redis: while it cannot answer, neither can this route (a 503, not a 500).
    const online = await store.online(tenantId, userIds).catch((error: unknown) => {
      throw serviceUnavailable('Presence is unavailable; try again shortly', { cause: error });
    });
    const items: PresenceItem[] = (userIds ?? [...online].sort()).map((userId) => ({ userId, online: online.has(userId) }));
    res.json({ items });
  };
}
