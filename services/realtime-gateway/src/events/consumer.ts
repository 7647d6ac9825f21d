import type { ConsumerSpec } from '@chat/event-bus';
import type { EventEnvelope } from '@chat/contracts';
import type { Logger } from '@chat/telemetry';
import { deliveriesFor } from '../domain/fanout.ts';
import type { GatewayInstruments } from '../instruments.ts';
import type { ChannelRooms } from '../sockets/channel-rooms.ts';
import type { ChatNamespace } from '../sockets/types.ts';
import type { PlatformChannels } from '../store/platform-channels.ts';

/** Every replica consumes from this one queue: each event is taken by one of them. */
export const GATEWAY_CONSUMER = 'realtime-gateway';

export interface GatewayConsumerDependencies {
  nsp: ChatNamespace;
  channelRooms: ChannelRooms;
  platformChannels: PlatformChannels;
  instruments: GatewayInstruments;
  logger: Logger;
}

/**
 * Domain events into socket events. The replica that takes an event emits it to rooms; the
 * adapter carries it to the sockets on every other replica. Socket delivery is at most once (the
 * clients catch up over REST), so nothing here fails an event: with the shared store away, a
 * ticket event still reaches everyone but, perhaps, platform staff.
 */
export function gatewayConsumer(deps: GatewayConsumerDependencies): ConsumerSpec {
  const degraded = (error: unknown) => {
    deps.logger.warn({ err: error }, 'platform channels unknown for now (shared store unavailable)');
    return false;
  };
  return {
    name: GATEWAY_CONSUMER,
    patterns: ['channel.*', 'message.*', 'note.*', 'ticket.*'],
    async handle(event: EventEnvelope) {
      deps.instruments.busEvents.inc({ type: event.type });
      let platformChannel = false;
      if ('channel' in event.data && event.data.channel.type === 'PLATFORM_SUPPORT') {
        await deps.platformChannels.remember(event.data.channel.id).catch(degraded);
      }
      if (event.type === 'ticket.opened' || event.type === 'ticket.updated') {
        platformChannel = await deps.platformChannels.has(event.data.ticket.channelId).catch(degraded);
      }

      if ('channel' in event.data) deps.channelRooms.changed(event.data.channel);
      for (const delivery of deliveriesFor(event, { platformChannel })) {
        (deps.nsp.to(delivery.rooms).emit as (event: string, payload: unknown) => boolean)(delivery.event, delivery.payload);
        deps.instruments.emitted.inc({ event: delivery.event });
      }
    },
  };
}
