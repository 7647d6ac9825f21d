import { Router, type RequestHandler } from 'express';
import { ListUsersQuery } from '@chat/contracts';
import type { Database } from '@chat/database';
import { parseQuery, principalOf } from '@chat/http-kit';
import type { SeenUserRegistry } from '../domain/seen-user-registry.ts';
import { listUsersFor, requireMayListUsers } from '../domain/users.ts';

/** Remembers every authenticated caller before its request is served. */
export function recordCaller(registry: SeenUserRegistry): RequestHandler {
  return async (req, _res, next) => {
    await registry.record(principalOf(req));
    next();
  };
}

/** `GET /api/chat/users`: who has been seen, for staff's pickers. */
export function userRoutes(db: Database): Router {
  const router = Router();
  router.get('/api/chat/users', async (req, res) => {
    const principal = principalOf(req);
    requireMayListUsers(principal); // the role (403) before the query (400)
    res.json({ items: await listUsersFor(db, principal, parseQuery(ListUsersQuery, req)) });
  });
  return router;
}
