import { actorOf, TicketQueueQuery, UpdateTicketBody, Uuid, type Principal, type TicketWithHistory } from '@chat/contracts';
import type { Database } from '@chat/database';
import { authenticate, conflict, forbidden, notFound, parseBody, parseParams, parseQuery, principalOf } from '@chat/http-kit';
import type { Router } from 'express';
import { z } from 'zod';
import { reclassify, TicketClosedError } from '../domain/reclassify.ts';
import { toTicket, type TicketRecord } from '../domain/ticket.ts';
import { audienceOf, canEditTicket, canSeeTicket } from '../domain/visibility.ts';
import { publishTicketUpdated } from '../events/publish.ts';
import { loadSlaTargets } from '../store/sla-policies.ts';
import { listQueue } from '../store/ticket-queue.ts';
import { findTicket, historyOf, lockTicket, saveTicket } from '../store/tickets.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

const TicketParams = z.object({ id: Uuid });

const ticketNotFound = () => notFound('No such ticket', { code: 'TICKET_NOT_FOUND' });

/** The ticket if the caller may see it; 404 otherwise, the same for a ticket of another tenant. */
async function visibleTicket(db: Database, principal: Principal, id: string): Promise<TicketRecord> {
  const ticket = await db.inReachOf(principal, (tx) => findTicket(tx, id));
  if (ticket === null || !canSeeTicket(principal, ticket)) throw ticketNotFound();
  return ticket;
}

export function mountTicketRoutes(router: Router, db: Database): void {
  router.get('/tickets', authenticate(), async (req, res) => {
    const principal = principalOf(req);
    const { limit, cursor, ...filter } = parseQuery(TicketQueueQuery, req);
    const after = cursor === undefined ? null : decodeCursor(cursor);
    const page = await db.inReachOf(principal, (tx) => listQueue(tx, audienceOf(principal), filter, limit, after));
    res.json({ items: page.items.map(toTicket), nextCursor: page.next === null ? null : encodeCursor(page.next) });
  });

  router.get('/tickets/:id', authenticate(), async (req, res) => {
    const principal = principalOf(req);
    const { id } = parseParams(TicketParams, req);
    const found = await db.inReachOf(principal, async (tx) => {
      const ticket = await findTicket(tx, id);
      return ticket === null || !canSeeTicket(principal, ticket) ? null : { ticket, history: await historyOf(tx, id) };
    });
    if (found === null) throw ticketNotFound();
    const body: TicketWithHistory = { ...toTicket(found.ticket), history: found.history };
    res.json(body);
  });

  router.patch('/tickets/:id', authenticate(), async (req, res) => {
    const principal = principalOf(req);
    const { id } = parseParams(TicketParams, req);
    const seen = await visibleTicket(db, principal, id);
    if (!canEditTicket(principal, seen)) throw forbidden('Only staff may change a ticket');
    const change = parseBody(UpdateTicketBody, req);
    // Platform staff act in the ticket's tenant, like every change there.
    const ticket = await db.inTenant(seen.tenantId, async (tx) => {
      const current = await lockTicket(tx, id);
      if (current === null || !canEditTicket(principal, current)) throw ticketNotFound();
      const outcome = reclassify(current, change, await loadSlaTargets(tx), new Date());
      if (!outcome.changed) return current;
      await saveTicket(tx, outcome.ticket);
      await publishTicketUpdated(tx, outcome.ticket, actorOf(principal));
      return outcome.ticket;
    }).catch((error: unknown) => {
      if (error instanceof TicketClosedError) throw conflict(error.message, { code: 'TICKET_CLOSED' });
      throw error;
    });
    res.json(toTicket(ticket));
  });
}
