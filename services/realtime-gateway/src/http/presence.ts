import type { RequestHandler } from 'express';
import { parseQuery, principalOf } from '@chat/http-kit';
import { PresenceQuery, type PresenceItem } from '@chat/contracts';
import type { PresenceStore } from '../store/presence.ts';

/** `GET /api/chat/presence`: who of the caller's tenant is online (`?userIds=a,b` for those only). */
export function presence(store: PresenceStore): RequestHandler {
  return async (req, res) => {
    const { tenantId } = principalOf(req);
    const { userIds } = parseQuery(PresenceQuery, req);
    const online = await store.online(tenantId, userIds);
    const items: PresenceItem[] = (userIds ?? [...online].sort()).map((userId) => ({ userId, online: online.has(userId) }));
    res.json({ items });
  };
}
