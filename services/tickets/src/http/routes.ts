import type { ServiceContext } from '@chat/service-runtime';
import { Router, type Express } from 'express';
import { mountCannedResponseRoutes } from './canned-response-routes.ts';
import { mountSlaPolicyRoutes } from './sla-policy-routes.ts';
import { mountTicketRoutes } from './ticket-routes.ts';

/** Everything the tickets service serves under `/api/chat` (see README.md). */
export function mountRoutes(app: Express, { db }: ServiceContext): void {
  const router = Router();
  mountTicketRoutes(router, db);
  mountSlaPolicyRoutes(router, db);
  mountCannedResponseRoutes(router, db);
  app.use('/api/chat', router);
}
