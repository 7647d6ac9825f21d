import type { Namespace, Socket } from 'socket.io';
import type { VerifiedPrincipal } from '@chat/auth';
import type { ChannelSnapshot, ClientToServerEvents, ServerToClientEvents } from '@chat/contracts';
import type { TypingThrottle } from '../domain/typing.ts';

/** What replicas tell each other, beside the socket events the adapter carries. */
export interface InterServerEvents {
  /** A channel changed: each replica re-judges the sockets it holds in the channel's rooms. */
  channel_changed(channel: ChannelSnapshot): void;
}

export interface SocketData {
  principal: VerifiedPrincipal;
  /** The handshake's token: the socket calls the services as its user, with the user's rights. */
  token: string;
  /** Joined channels and the tenant whose rooms they are in (the channel's, for platform staff). */
  joined: Map<string, string>;
  typing: TypingThrottle;
}

export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
