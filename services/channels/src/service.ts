import type { ServiceDefinition } from '@chat/service-runtime';
import { ChannelChanges } from './domain/channel-changes.ts';
import { SeenUserRegistry } from './domain/seen-user-registry.ts';
import { channelsConsumer } from './events/consumer.ts';
import { mountRoutes } from './http/routes.ts';
import { ChannelsSchema1764150000000 } from './store/migrations/1764150000000-ChannelsSchema.ts';

/** Channels: conversations, who takes part in them, and their lifecycle. */
export const channelsService: ServiceDefinition = {
  name: 'channels',
  migrations: [ChannelsSchema1764150000000],
  routes(app, { db }) {
    mountRoutes(app, { db, changes: new ChannelChanges(db), seenUsers: new SeenUserRegistry(db) });
  },
  consumers({ db }) {
    return [channelsConsumer(db, new ChannelChanges(db))];
  },
};
