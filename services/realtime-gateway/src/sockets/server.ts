import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { SOCKET_NAMESPACE } from '@chat/contracts';
import { originAllowed } from '../domain/origins.ts';
import { roomsOnConnect } from '../domain/rooms.ts';
import type { ChannelRooms } from './channel-rooms.ts';
import { registerHandlers, type HandlerDependencies } from './handlers.ts';
import { handshake, type HandshakeDependencies } from './handshake.ts';
import type { PresenceTracker } from './presence.ts';
import type { ChatNamespace, ChatSocket } from './types.ts';

export interface SocketServerOptions {
  corsOrigins: readonly string[] | undefined;
  /** Largest message a client may send; a bigger one closes its connection. */
  maxHttpBufferSize: number;
  /** The Redis adapter when replicas share sockets; Socket.IO's in-memory one otherwise. */
  adapter?: Parameters<Server['adapter']>[0];
  isDraining(): boolean;
}

/**
 * Socket.IO on the gateway's HTTP server. Connections from browser origins outside `CORS_ORIGINS`
 * (and not the gateway's own) are refused before the handshake, and nothing is served on the main
 * namespace: everything happens in `/chat`, behind its token check.
 */
export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): { io: Server; nsp: ChatNamespace } {
  const corsOrigins = options.corsOrigins ? [...options.corsOrigins] : undefined;
  const io = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: options.maxHttpBufferSize,
    ...(corsOrigins ? { cors: { origin: corsOrigins, credentials: true } } : {}),
    allowRequest: (req, callback) => {
      if (options.isDraining()) return callback('shutting down', false);
      callback(null, originAllowed(req.headers.origin, req.headers.host, corsOrigins));
    },
  });
  if (options.adapter) io.adapter(options.adapter);
  io.of('/').use((_socket, next) => next(new Error(`Connect to the ${SOCKET_NAMESPACE} namespace`)));
  return { io, nsp: io.of(SOCKET_NAMESPACE) as unknown as ChatNamespace };
}

export interface ChatNamespaceDependencies extends HandlerDependencies, HandshakeDependencies {
  channelRooms: ChannelRooms;
  presence: PresenceTracker;
}

/** Longest delay a Node timer takes (about 24.8 days); later expiries are reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Namespace `/chat`: authenticated sockets, their own rooms, presence, and the events of API.md. */
export function serveChatNamespace(nsp: ChatNamespace, deps: ChatNamespaceDependencies): void {
  nsp.use(handshake(deps));
  nsp.on('connection', (socket) => {
    const { principal } = socket.data;
    deps.instruments.connections.inc();
    socket.join(roomsOnConnect(principal));
    const expiry = disconnectAtExpiry(socket);
    void deps.presence.connected(principal.tenantId, principal.userId);
    registerHandlers(socket, deps);
    socket.on('disconnect', () => {
      clearTimeout(expiry.timer);
      deps.instruments.connections.dec();
      for (const channelId of [...socket.data.joined.keys()]) deps.channelRooms.leave(socket, channelId);
      void deps.presence.disconnected(principal.tenantId, principal.userId);
    });
  });
}

/** A token that expires while its socket is open ends the socket at that moment. */
function disconnectAtExpiry(socket: ChatSocket): { timer: NodeJS.Timeout } {
  const holder = { timer: undefined as unknown as NodeJS.Timeout };
  const arm = () => {
    const remaining = socket.data.principal.expiresAt - Date.now();
    holder.timer = setTimeout(() => {
      if (socket.data.principal.expiresAt > Date.now()) return arm();
      socket.emit('chat_error', {
        event: 'connection',
        error: { code: 'UNAUTHENTICATED', message: 'The token has expired', details: { reason: 'TOKEN_EXPIRED' } },
      });
      socket.disconnect(true);
    }, Math.min(Math.max(0, remaining), MAX_TIMER_MS));
  };
  arm();
  return holder;
}
