import { CreateCannedResponseBody, isStaff, UpdateCannedResponseBody, Uuid, type CannedResponse } from '@chat/contracts';
import { sqlStateOf, type Database } from '@chat/database';
import { authenticate, conflict, forbidden, notFound, parseBody, parseParams, principalOf } from '@chat/http-kit';
import type { Request, Router } from 'express';
import { z } from 'zod';
import { deleteCannedResponse, listCannedResponses, lockCannedResponse, saveCannedResponse } from '../store/canned-responses.ts';

const Params = z.object({ id: Uuid });
const UNIQUE_VIOLATION = '23505';

const responseNotFound = () => notFound('No such canned response', { code: 'CANNED_RESPONSE_NOT_FOUND' });

/** The caller, if staff; anyone else gets `refusal()`. */
function staffOf(req: Request, refusal: () => Error) {
  const principal = principalOf(req);
  if (!isStaff(principal.role)) throw refusal();
  return principal;
}

function shortcutTaken(error: unknown): never {
  if (sqlStateOf(error) === UNIQUE_VIOLATION) throw conflict('The tenant already has a canned response with this shortcut', { code: 'SHORTCUT_TAKEN' });
  throw error;
}

/**
 * Canned responses: the console's stock answers, shared by a tenant's staff (platform staff share
 * theirs under the platform tenant of their tokens). A participant gets 403 on the collection and
 * 404 on a single one, as for any staff-only resource it may not see.
 */
export function mountCannedResponseRoutes(router: Router, db: Database): void {
  router.get('/canned-responses', authenticate(), async (req, res) => {
    const principal = staffOf(req, () => forbidden('Only staff use canned responses'));
    res.json({ items: await db.inTenant(principal.tenantId, (tx) => listCannedResponses(tx)) });
  });

  router.post('/canned-responses', authenticate(), async (req, res) => {
    const principal = staffOf(req, () => forbidden('Only staff use canned responses'));
    const body = parseBody(CreateCannedResponseBody, req);
    const now = new Date().toISOString();
    const created: CannedResponse = { id: crypto.randomUUID(), tenantId: principal.tenantId, ...body, createdBy: principal.userId, createdAt: now, updatedAt: now };
    await db.inTenant(principal.tenantId, (tx) => saveCannedResponse(tx, created)).catch(shortcutTaken);
    res.status(201).json(created);
  });

  router.patch('/canned-responses/:id', authenticate(), async (req, res) => {
    const principal = staffOf(req, responseNotFound);
    const { id } = parseParams(Params, req);
    const updated = await db
      .inTenant(principal.tenantId, async (tx) => {
        const current = await lockCannedResponse(tx, id);
        if (current === null) throw responseNotFound();
        // Parsed once the response is known to exist: 404 comes before 400.
        const change = parseBody(UpdateCannedResponseBody, req);
        const next: CannedResponse = { ...current, ...definedOnly(change), updatedAt: new Date().toISOString() };
        await saveCannedResponse(tx, next);
        return next;
      })
      .catch(shortcutTaken);
    res.json(updated);
  });

  router.delete('/canned-responses/:id', authenticate(), async (req, res) => {
    const principal = staffOf(req, responseNotFound);
    const { id } = parseParams(Params, req);
    const deleted = await db.inTenant(principal.tenantId, (tx) => deleteCannedResponse(tx, id));
    if (!deleted) throw responseNotFound();
    res.status(204).end();
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
