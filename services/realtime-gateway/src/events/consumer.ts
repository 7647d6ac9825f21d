import type { ConsumerSpec } from '@chat/event-bus';
import type { EventEnvelope } from '@chat/contracts';
import type { Logger } from '@chat/telemetry';
import { deliveriesFor } from '../domain/fanout.ts';
import type { GatewayInstruments } from '../instruments.ts';
import type { ChannelRooms } from '../sockets/channel-rooms.ts';
import type { ChatNamespace } from '../sockets/types.ts';

/** Every replica consumes from this one queue: each event is taken by one of them. */
export const GATEWAY_CONSUMER = 'realtime-gateway';

export interface GatewayConsumerDependencies {
  nsp: ChatNamespace;
  channelRooms: ChannelRooms;
  instruments: GatewayInstruments;
  logger: Logger;
}

/**
 * Domain events into socket events. The replica that takes an event emits it to rooms; the
 * adapter carries it to the sockets on every other replica. Socket delivery is at most once (the
 * clients catch up over REST), so nothing here fails an event.
 */
export function gatewayConsumer(deps: GatewayConsumerDependencies): ConsumerSpec {
  const emit = (event: EventEnvelope) => {
    deps.instruments.busEvents.inc({ type: event.type });
    if ('channel' in event.data) deps.channelRooms.changed(event.data.channel);
    for (const delivery of deliveriesFor(event)) {
      (deps.nsp.to(delivery.rooms).emit as (event: string, payload: unknown) => boolean)(delivery.event, delivery.payload);
      deps.instruments.emitted.inc({ event: delivery.event });
    }
  };
  return {
    name: GATEWAY_CONSUMER,
    patterns: ['channel.*', 'message.*', 'note.*', 'ticket.*'],
    async handle(event) {
      emit(event);
    },
    // What arrived together goes out together: one acknowledgement to the broker, and the
    // adapter's publishes leave in one write. A batch is never handed back once an event of it
    // went out (that would send it twice): an event that fails here is logged, and its sockets
    // catch up as they do after any lost socket event (`seq` gaps, resync).
    async handleBatch(events: EventEnvelope[]) {
      for (const event of events) {
        try {
          emit(event);
        } catch (error) {
          deps.logger.error({ err: error, eventId: event.id, type: event.type }, 'event not turned into socket events');
        }
      }
    },
  };
}
