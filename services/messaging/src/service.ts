import type { ServiceDefinition } from '@chat/service-runtime';
import { ChannelAccess } from './domain/channel-access.ts';
import { httpChannelOwner, NO_OWNER } from './domain/channel-owner.ts';
import { MessageChanges } from './domain/message-changes.ts';
import { Messages } from './domain/messages.ts';
import { SendBatches } from './domain/send-batches.ts';
import { Notes } from './domain/notes.ts';
import { Search } from './domain/search.ts';
import { channelEventsConsumer } from './events/channel-events.ts';
import { mountRoutes } from './http/routes.ts';
import { MessagingSchema1764150000000 } from './store/migrations/1764150000000-MessagingSchema.ts';

/**
 * Send transactions in flight at once; sends beyond them wait and are written together. Well
 * under the pool's size, so that reads and the relay always find a connection.
 */
const SEND_CONCURRENCY = 4;

/**
 * Messaging: messages with a gap-free per-channel `seq`, read marks, edits, reactions, search and
 * internal notes, authorised against a local copy of each channel kept by `channel.*` events.
 */
export const messagingService: ServiceDefinition = {
  name: 'messaging',
  migrations: [MessagingSchema1764150000000],
  routes(app, context) {
    const owner = context.peers.channelsUrl ? httpChannelOwner(context.peers.channelsUrl) : NO_OWNER;
    const access = new ChannelAccess(context.db, owner, context.metrics);
    mountRoutes(app, {
      db: context.db,
      messages: new Messages(access, new SendBatches(context.db, { concurrency: SEND_CONCURRENCY, metrics: context.metrics })),
      changes: new MessageChanges(context.db, access),
      notes: new Notes(access),
      search: new Search(context.db, access),
    });
  },
  consumers: (context) => [channelEventsConsumer(context.db)],
};

export default messagingService;
