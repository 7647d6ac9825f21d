import type { z } from 'zod';
import { fieldProblems } from '@chat/http-kit';
import {
  CLIENT_EVENT_NAMES,
  JoinChannelPayload,
  LeaveChannelPayload,
  MarkReadPayload,
  SendMessagePayload,
  TypingPayload,
  type ClientEventName,
  type Message,
  type SocketAck,
  type SocketError,
} from '@chat/contracts';
import type { Logger } from '@chat/telemetry';
import { ownRooms, rooms } from '../domain/rooms.ts';
import type { GatewayInstruments } from '../instruments.ts';
import type { PeerClient } from '../peers/client.ts';
import type { RateLimits } from '../store/rate-limits.ts';
import type { ChannelAccess } from './channel-access.ts';
import { displayName, type ChannelRooms } from './channel-rooms.ts';
import { refusalFromAnswer, socketErrorOf, SocketRefusal } from './refusal.ts';
import type { ChatSocket } from './types.ts';

export interface HandlerDependencies {
  access: ChannelAccess;
  channelRooms: ChannelRooms;
  peers: PeerClient;
  rateLimits: RateLimits;
  instruments: GatewayInstruments;
  logger: Logger;
}

type Ack = (answer: SocketAck) => void;

/** The client-to-server events of API.md on one socket. */
export function registerHandlers(socket: ChatSocket, deps: HandlerDependencies): void {
  const { principal, token } = socket.data;
  guardEvents(socket, deps);

  handle(socket, deps, 'join_channel', JoinChannelPayload, async ({ channelId }) => {
    const channel = await deps.access.visibleChannel(principal, token, channelId);
    if (!channel) throw new SocketRefusal('NOT_FOUND', 'Not found');
    // The socket may have gone while the answer was on its way; a gone socket joins nothing.
    if (socket.connected) deps.channelRooms.join(socket, channel);
    return {};
  });

  handle(socket, deps, 'leave_channel', LeaveChannelPayload, async ({ channelId }) => {
    deps.channelRooms.leave(socket, channelId);
    return {};
  });

  handle(socket, deps, 'send_message', SendMessagePayload, async ({ channelId, content, clientMessageId }) => {
    const answer = await deps.peers.call('messaging', {
      method: 'POST',
      path: `/api/chat/channels/${channelId}/messages`,
      token,
      body: { content, ...(clientMessageId === undefined ? {} : { clientMessageId }) },
    });
    if (answer.status !== 201 && answer.status !== 200) throw refusalFromAnswer(answer);
    return { message: answer.body as Message };
  });

  handle(socket, deps, 'mark_read', MarkReadPayload, async ({ channelId, seq }) => {
    const answer = await deps.peers.call('messaging', { method: 'POST', path: `/api/chat/channels/${channelId}/read`, token, body: { seq } });
    if (answer.status !== 200) throw refusalFromAnswer(answer);
    return {};
  });

  // Typing touches nothing but the adapter: no service, no broker, no database.
  handle(socket, deps, 'typing', TypingPayload, async ({ channelId, isTyping }) => {
    const tenantId = socket.data.joined.get(channelId);
    if (tenantId === undefined) throw new SocketRefusal('NOT_FOUND', 'Join the channel before typing in it');
    if (socket.data.typing.admit(channelId, isTyping)) {
      socket
        .to(rooms.channel(tenantId, channelId))
        .except(ownRooms(principal))
        .emit('user_typing', { channelId, userId: principal.userId, userName: displayName(socket), isTyping });
    }
    return {};
  });
}

/**
 * Runs one event: validates the payload, does the work, and answers in the acknowledgement, or,
 * when the client gave none, tells a refusal in `chat_error`. Nothing a client sends can throw
 * out of here.
 */
function handle<S extends z.ZodType, R extends object>(
  socket: ChatSocket,
  deps: HandlerDependencies,
  event: ClientEventName,
  schema: S,
  work: (payload: z.output<S>) => Promise<R>,
): void {
  const untyped = socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
  untyped.on(event, async (...args: unknown[]) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as Ack) : undefined;
    let answer: SocketAck<R>;
    const parsed = schema.safeParse(args[0]);
    if (!parsed.success) {
      answer = { ok: false, error: { code: 'VALIDATION_FAILED', message: 'The payload is not valid', details: fieldProblems(parsed.error, 'payload') } };
    } else {
      try {
        answer = { ok: true, ...(await work(parsed.data)) };
      } catch (error) {
        const failure = socketErrorOf(error);
        if (failure.internal) deps.logger.error({ err: error, event }, 'socket event failed');
        answer = { ok: false, error: failure.error };
      }
    }
    deps.instruments.clientEvents.inc({ event, outcome: answer.ok ? 'ok' : answer.error.code });
    reply(socket, event, ack, answer);
  });
}

function reply(socket: ChatSocket, event: string, ack: Ack | undefined, answer: SocketAck): void {
  if (ack) ack(answer);
  else if (!answer.ok) socket.emit('chat_error', { event, error: answer.error });
}

/**
 * Before any handler: the caller's rate limits (one event spends one request of the user's and the
 * tenant's budgets, shared with REST) and the list of known events. Events are admitted in the
 * order they came, and a socket refused once is refused locally until its budget refills, so a
 * flood costs the shared store nothing.
 */
function guardEvents(socket: ChatSocket, deps: HandlerDependencies): void {
  const { principal } = socket.data;
  let queue: Promise<void> = Promise.resolve();
  let blockedUntil = 0;
  socket.use((packet, next) => {
    const event = String(packet[0]);
    const ack = typeof packet.at(-1) === 'function' ? (packet.at(-1) as Ack) : undefined;
    const refuse = (error: SocketError) => {
      deps.instruments.clientEvents.inc({ event: known(event) ? event : '(unknown)', outcome: error.code });
      reply(socket, event, ack, { ok: false, error });
    };
    const rateLimited = (retryAfterMs: number) => refuse({ code: 'RATE_LIMITED', message: 'Too many requests; slow down', details: { retryAfterMs } });
    if (Date.now() < blockedUntil) {
      deps.instruments.rateLimited.inc({ scope: 'socket', via: 'socket' });
      rateLimited(blockedUntil - Date.now());
      return;
    }
    queue = queue.then(async () => {
      const decision = await deps.rateLimits.consume(principal).catch(() => ({ allowed: true }) as const);
      if (!decision.allowed) {
        blockedUntil = Date.now() + decision.retryAfterMs;
        deps.instruments.rateLimited.inc({ scope: decision.scope, via: 'socket' });
        rateLimited(decision.retryAfterMs);
      } else if (!known(event)) {
        refuse({ code: 'UNKNOWN_EVENT', message: 'No such event' });
      } else {
        next();
      }
    });
  });
}

function known(event: string): event is ClientEventName {
  return (CLIENT_EVENT_NAMES as readonly string[]).includes(event);
}
