/**
 * The console's one door to the chat system, built on `@chat/chat-client`: typed REST calls, the
 * socket's events, and joined channels whose messages arrive each once and in `seq` order. This
 * module adds only what a browser console needs on top: the connection state to show, the end
 * of the session when the server refuses the token, and which failures are worth retrying.
 */
import { ChatClient, ChatError, ChatRestClient } from '@chat/chat-client';
import type { Message, Role, ServerToClientEvents } from '@chat/contracts';

export type ConnectionState = 'connecting' | 'online' | 'offline';
export type Unsubscribe = () => void;
export type ChatRest = ChatRestClient;
export { ChatError };

type ServerEventName = keyof ServerToClientEvents;

export interface ChatSystem {
  rest: ChatRest;
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): Unsubscribe;
  /** A server event other than messages (`ticket_changed`, `user_typing`, ...). */
  on<E extends ServerEventName>(event: E, handler: ServerToClientEvents[E]): Unsubscribe;
  /** Every message of every joined channel, once each and in `seq` order, across reconnects. */
  onMessage(handler: (channelId: string, message: Message) => void): Unsubscribe;
  /** Joins a channel (once; later calls do nothing); `afterSeq` is the last `seq` already held. */
  join(channelId: string, afterSeq?: number): Promise<void>;
  send(channelId: string, content: string, clientMessageId: string): Promise<Message>;
  markRead(channelId: string, seq: number): Promise<void>;
  typing(channelId: string, isTyping: boolean): void;
  /** A joined channel the client gave up on (no longer visible, or refused): it is no longer joined. */
  onChannelLost(listener: (channelId: string) => void): Unsubscribe;
  /** Called once when the server refuses the token: the session is over. */
  onUnauthorized(listener: () => void): Unsubscribe;
  close(): void;
}

/** A call that never got its answer (offline, a dropped connection, a server restarting): worth retrying. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof ChatError)) return error instanceof TypeError;
  return error.code === 'NETWORK_ERROR' || error.code === 'TIMEOUT' || error.status === 429 || error.status >= 500;
}

/** The field problems of a refused input: a 400 answer's `details: [{field, message}]` (API.md, "Errors"). */
function fieldProblems(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((detail: unknown) => {
    if (typeof detail !== 'object' || detail === null) return [];
    const { field, message } = detail as { field?: unknown; message?: unknown };
    if (typeof message !== 'string') return [];
    return [typeof field === 'string' && field !== '' ? `${field}: ${message}` : message];
  });
}

/**
 * What went wrong, in words for the person: which fields a refused input got wrong (the answer's
 * own message, "The request is not valid", names none), or else the answer's message.
 */
export function describeFailure(error: unknown): string {
  if (isUnreachable(error)) return 'The support system cannot be reached right now.';
  if (error instanceof ChatError) {
    const problems = fieldProblems(error.details);
    return problems.length > 0 ? problems.join('; ') : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

const REFUSED_TOKEN = /^(UNAUTHENTICATED|UNAUTHORIZED|INVALID_TOKEN|TOKEN_EXPIRED)$/;

function isRefusedToken(error: ChatError): boolean {
  return error.status === 401 || REFUSED_TOKEN.test(error.code);
}

/** `POST /api/chat/dev/token`: only the local run (`DEV_AUTH=1`) answers it. */
export function requestDevToken(body: { userId: string; tenantId: string; role: Role; name?: string }): Promise<string> {
  return ChatRestClient.devToken(window.location.origin, body);
}

/**
 * Whether this system hands out dev tokens: a request naming nobody is refused as bad input
 * (400) where it does, and finds no route (404) where it does not.
 */
export async function devSignInAvailable(): Promise<boolean> {
  try {
    await ChatRestClient.devToken(window.location.origin, { userId: '', tenantId: '', role: 'PARTICIPANT' });
    return true;
  } catch (error) {
    return !(error instanceof ChatError && error.status === 404);
  }
}

export function connect(token: string): ChatSystem {
  const unauthorizedListeners = new Set<() => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const lostListeners = new Set<(channelId: string) => void>();
  let refused = false;
  let state: ConnectionState = 'connecting';

  const unauthorized = () => {
    if (refused) return;
    refused = true;
    for (const listener of unauthorizedListeners) listener();
  };
  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const client = new ChatClient({
    url: window.location.origin,
    token,
    // Every REST answer passes here, so a refused token ends the session wherever it shows up.
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) unauthorized();
      return response;
    },
  });
  const { socket } = client;
  socket.on('connect', () => setState('online'));
  socket.on('disconnect', () => setState('offline'));
  socket.on('connect_error', () => setState('offline'));
  socket.io.on('reconnect_attempt', () => setState(state === 'online' ? 'offline' : state));
  // The browser knows about a lost network long before a socket's heartbeat does: drop the
  // transport at once, so Socket.IO starts reconnecting and the console says it is offline.
  const wentOffline = () => {
    setState('offline');
    socket.io.engine?.close();
  };
  window.addEventListener('offline', wentOffline);
  client.onError((error, { channelId }) => {
    if (isRefusedToken(error)) unauthorized();
    else if (channelId !== undefined) for (const listener of lostListeners) listener(channelId);
  });
  client.connect();

  return {
    rest: client.rest,
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    on: (event, handler) => client.on(event, handler),
    onMessage: (handler) => client.onMessage(handler),
    join: (channelId, afterSeq) => client.joinChannel(channelId, afterSeq === undefined ? {} : { afterSeq }),
    send: (channelId, content, clientMessageId) => client.sendMessage(channelId, content, { clientMessageId }),
    markRead: (channelId, seq) => client.markRead(channelId, seq),
    typing: (channelId, isTyping) => client.typing(channelId, isTyping),
    onChannelLost(listener) {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
    onUnauthorized(listener) {
      unauthorizedListeners.add(listener);
      return () => unauthorizedListeners.delete(listener);
    },
    close() {
      window.removeEventListener('offline', wentOffline);
      client.close();
    },
  };
}
