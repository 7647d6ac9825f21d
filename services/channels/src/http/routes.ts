import type { Express } from 'express';
import { authenticate } from '@chat/http-kit';
import type { ChannelChanges } from '../domain/channel-changes.ts';
import type { SeenUserRegistry } from '../domain/seen-user-registry.ts';
import type { Database } from '@chat/database';
import { channelRoutes } from './channel-routes.ts';
import { internalRoutes } from './internal-routes.ts';
import { recordCaller, userRoutes } from './user-routes.ts';

export interface RouteDependencies {
  db: Database;
  changes: ChannelChanges;
  seenUsers: SeenUserRegistry;
}

/** Public routes remember their callers; the internal one acts for a forwarded caller, who is not "seen" by it. */
export function mountRoutes(app: Express, { db, changes, seenUsers }: RouteDependencies): void {
  app.use('/api/chat', authenticate(), recordCaller(seenUsers));
  app.use(channelRoutes(db, changes), userRoutes(db));
  app.use('/internal', authenticate());
  app.use(internalRoutes(db));
}
