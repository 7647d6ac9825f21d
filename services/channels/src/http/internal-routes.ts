import { Router } from 'express';
import { z } from 'zod';
import { Uuid } from '@chat/contracts';
import type { Database } from '@chat/database';
import { parseParams, principalOf } from '@chat/http-kit';
import { toSnapshot } from '../domain/channel.ts';
import { getVisibleChannel } from '../domain/channel-reads.ts';

/**
 * The owner's answer for read-your-writes: messaging and tickets ask, with the caller's forwarded
 * token, when their copy of a channel cannot yet say yes. 404 unless that caller may see it.
 */
export function internalRoutes(db: Database): Router {
  const router = Router();
  router.get('/internal/channels/:id', async (req, res) => {
    const { id } = parseParams(z.object({ id: Uuid }), req);
    res.json(toSnapshot(await getVisibleChannel(db, principalOf(req), id)));
  });
  return router;
}
