import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  SOCKET_NAMESPACE,
  type ClientToServerEvents,
  type Message,
  type ServerToClientEvents,
  type SocketAck,
  type SocketError,
} from '@chat/contracts';
import { ChatError } from './errors.ts';
import { ChannelFeed } from './feed.ts';
import { ChatRestClient, type TokenSource } from './rest.ts';

export interface ChatClientOptions {
  /** The gateway, e.g. `https://chat.example.com`. */
  url: string;
  /** The caller's token; a function is asked again for every request and every reconnect. */
  token: TokenSource;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Passed to `socket.io-client` (e.g. `transports`); `auth` is the client's own. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** How long a socket request waits for its acknowledgement; default 10 s. */
  ackTimeoutMs?: number;
}

export interface JoinOptions {
  /**
   * The last `seq` the app already holds: every later message is handed to `onMessage`, history
   * included. Absent, the channel's messages from the newest one on are.
   */
  afterSeq?: number;
}

export type MessageHandler = (channelId: string, message: Message) => void;
export type ErrorHandler = (error: ChatError, context: { channelId?: string }) => void;
export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Refusals worth retrying on their own: the server is busy, leaving, or the token can be renewed. */
const TRANSIENT_CODES = new Set(['SERVICE_UNAVAILABLE', 'RATE_LIMITED', 'NETWORK_ERROR', 'TIMEOUT']);
const MAX_RETRY_MS = 10_000;

/**
 * The platform for a tenant app or the console: REST (`rest`), the socket, and joined channels
 * whose messages reach `onMessage` each exactly once and in `seq` order, across reconnects,
 * `resync` requests and lost events (a gap in `seq` is fetched over REST).
 */
export class ChatClient {
  readonly rest: ChatRestClient;
  readonly socket: ChatSocket;
  readonly #token: TokenSource;
  readonly #ackTimeoutMs: number;
  readonly #feeds = new Map<string, ChannelFeed>();
  readonly #messageHandlers = new Set<MessageHandler>();
  readonly #errorHandlers = new Set<ErrorHandler>();
  #everConnected = false;
  #closed = false;
  #retryMs = 500;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #waiters: { resolve(): void; reject(error: ChatError): void }[] = [];

  constructor(options: ChatClientOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.rest = new ChatRestClient({ baseUrl: base, token: options.token, ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.socket = io(`${base}${SOCKET_NAMESPACE}`, {
      autoConnect: false,
      reconnectionDelayMax: 5_000,
      // WebSocket first: one connection that a load balancer without sticky sessions can carry
      // (HTTP long-polling needs every request of a session on the same replica).
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      ...options.socketOptions,
      auth: (send) => {
        this.#currentToken().then(
          (token) => send({ token }),
          () => send({}),
        );
      },
    });
    this.socket.on('connect', () => this.#onConnect());
    this.socket.on('disconnect', (reason) => this.#onDisconnect(reason));
    this.socket.on('connect_error', (error) => this.#onConnectError(error));
    this.socket.on('new_message', ({ channelId, message }) => this.#feeds.get(channelId)?.offer(message));
    this.socket.on('resync', ({ channelIds }) => {
      for (const channelId of channelIds ?? [...this.#feeds.keys()]) void this.#feeds.get(channelId)?.catchUp();
    });
  }

  /** Opens the socket (joining a channel does it too). */
  connect(): this {
    if (!this.#closed && !this.socket.connected && !this.socket.active) this.socket.connect();
    return this;
  }

  /** Closes the socket for good and stops every feed. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    for (const feed of this.#feeds.values()) feed.stop();
    this.#feeds.clear();
    this.socket.disconnect();
    this.#settleWaiters(new ChatError(0, 'CLOSED', 'The client was closed'));
  }

  /** Every message of every joined channel, once each, in order. Answers an unsubscribe. */
  onMessage(handler: MessageHandler): () => void {
    this.#messageHandlers.add(handler);
    return () => this.#messageHandlers.delete(handler);
  }

  /** Failures nobody awaited: a lost channel, a refused connection, a throwing handler. */
  onError(handler: ErrorHandler): () => void {
    this.#errorHandlers.add(handler);
    return () => this.#errorHandlers.delete(handler);
  }

  /** Any other server event (`user_typing`, `ticket_changed`, ...). Answers an unsubscribe. */
  on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): () => void {
    const listener = handler as never;
    this.socket.on(event, listener);
    return () => this.socket.off(event, listener);
  }

  /** The last `seq` handed to `onMessage` for a joined channel. */
  lastSeq(channelId: string): number | null {
    return this.#feeds.get(channelId)?.lastSeq ?? null;
  }

  /** Joins the channel's room and starts its feed; rejects with the server's refusal. */
  async joinChannel(channelId: string, options: JoinOptions = {}): Promise<void> {
    if (this.#feeds.has(channelId)) return;
    const feed = new ChannelFeed(
      {
        source: {
          after: (afterSeq, limit) => this.rest.listMessages(channelId, { afterSeq, limit }),
          newest: async () => (await this.rest.listMessages(channelId, { limit: 1 })).items.at(-1),
        },
        deliver: (message) => this.#deliver(channelId, message),
        fail: (error) => {
          this.#feeds.delete(channelId);
          this.#report(asChatError(error), { channelId });
        },
        retryable: (error) => isTransient(asChatError(error)),
      },
      options.afterSeq,
    );
    // Registered first, so that a reconnect during the join joins it again.
    this.#feeds.set(channelId, feed);
    try {
      await this.#join(channelId);
    } catch (error) {
      feed.stop();
      this.#feeds.delete(channelId);
      throw error;
    }
    await feed.catchUp();
  }

  async leaveChannel(channelId: string): Promise<void> {
    const feed = this.#feeds.get(channelId);
    if (!feed) return;
    feed.stop();
    this.#feeds.delete(channelId);
    if (this.socket.connected) await this.#request('leave_channel', { channelId }).catch(() => undefined);
  }

  /**
   * Sends over the socket, or over REST when the socket is down or does not answer; one
   * `clientMessageId` for both, so a retried send never makes a second message.
   */
  async sendMessage(channelId: string, content: string, options: { clientMessageId?: string } = {}): Promise<Message> {
    const clientMessageId = options.clientMessageId ?? randomId();
    let message: Message | undefined;
    if (this.socket.connected) {
      try {
        message = (await this.#request<{ message: Message }>('send_message', { channelId, content, clientMessageId })).message;
      } catch (error) {
        if (!(error instanceof ChatError) || error.code !== 'TIMEOUT') throw error;
      }
    }
    message ??= await this.rest.sendMessage(channelId, { content, clientMessageId });
    this.#feeds.get(channelId)?.offer(message);
    return message;
  }

  async markRead(channelId: string, seq: number): Promise<void> {
    if (this.socket.connected) await this.#request('mark_read', { channelId, seq });
    else await this.rest.markRead(channelId, seq);
  }

  /** Typing indicators are best effort: dropped while disconnected. */
  typing(channelId: string, isTyping: boolean): void {
    if (this.socket.connected) this.socket.volatile.emit('typing', { channelId, isTyping });
  }

  async #join(channelId: string): Promise<void> {
    await this.#whenConnected();
    await this.#request('join_channel', { channelId });
  }

  /** A socket request with an acknowledgement; its refusal becomes a `ChatError`. */
  async #request<R extends object = object>(event: keyof ClientToServerEvents, payload: object): Promise<R> {
    const untyped = this.socket as unknown as {
      timeout(ms: number): { emitWithAck(event: string, payload: object): Promise<SocketAck<R>> };
    };
    let answer: SocketAck<R>;
    try {
      answer = await untyped.timeout(this.#ackTimeoutMs).emitWithAck(event, payload);
    } catch (error) {
      throw new ChatError(0, 'TIMEOUT', `No answer to ${event} in time`, undefined, { cause: error });
    }
    if (!answer.ok) throw ChatError.fromSocket(answer.error);
    return answer;
  }

  #whenConnected(): Promise<void> {
    if (this.#closed) return Promise.reject(new ChatError(0, 'CLOSED', 'The client was closed'));
    if (this.socket.connected) return Promise.resolve();
    this.connect();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #onConnect(): void {
    this.#retryMs = 500;
    const reconnected = this.#everConnected;
    this.#everConnected = true;
    this.#settleWaiters();
    if (!reconnected) return;
    // Rooms do not survive a connection, and whatever was sent meanwhile was missed.
    for (const channelId of this.#feeds.keys()) void this.#rejoin(channelId);
  }

  async #rejoin(channelId: string): Promise<void> {
    try {
      await this.#request('join_channel', { channelId });
    } catch (error) {
      const refusal = asChatError(error);
      if (!isTransient(refusal)) {
        this.#feeds.get(channelId)?.stop();
        this.#feeds.delete(channelId);
        this.#report(refusal, { channelId });
        return;
      }
      if (this.socket.connected) setTimeout(() => void this.#rejoin(channelId), 1_000);
      return;
    }
    await this.#feeds.get(channelId)?.catchUp();
  }

  #onDisconnect(reason: Socket.DisconnectReason): void {
    // The server ended this socket (its token expired, or it was told to leave): Socket.IO does
    // not come back by itself then. A renewable token is worth another try; a fixed one is not.
    if (reason !== 'io server disconnect' || this.#closed) return;
    if (typeof this.#token === 'function') this.#retrySoon();
    else this.#report(new ChatError(401, 'UNAUTHENTICATED', 'The server ended the connection; a new token is needed'), {});
  }

  #onConnectError(error: Error & { data?: SocketError }): void {
    if (this.socket.active || this.#closed) return; // a transport failure: Socket.IO retries by itself
    const refusal = error.data ? ChatError.fromSocket(error.data) : new ChatError(0, 'CONNECT_ERROR', error.message);
    if (isTransient(refusal) || (refusal.code === 'UNAUTHENTICATED' && typeof this.#token === 'function')) {
      this.#retrySoon();
      return;
    }
    this.#settleWaiters(refusal);
    this.#report(refusal, {});
  }

  #retrySoon(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.connect(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
  }

  #settleWaiters(error?: ChatError): void {
    for (const waiter of this.#waiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  #deliver(channelId: string, message: Message): void {
    for (const handler of this.#messageHandlers) {
      try {
        handler(channelId, message);
      } catch (error) {
        this.#report(new ChatError(0, 'HANDLER_FAILED', 'An onMessage handler threw', undefined, { cause: error }), { channelId });
      }
    }
  }

  #report(error: ChatError, context: { channelId?: string }): void {
    if (this.#errorHandlers.size === 0) console.error('chat-client:', error);
    for (const handler of this.#errorHandlers) handler(error, context);
  }

  async #currentToken(): Promise<string> {
    return typeof this.#token === 'function' ? this.#token() : this.#token;
  }
}

function asChatError(error: unknown): ChatError {
  return error instanceof ChatError ? error : new ChatError(0, 'NETWORK_ERROR', String(error), undefined, { cause: error });
}

function isTransient(error: ChatError): boolean {
  return TRANSIENT_CODES.has(error.code) || error.status >= 500 || error.status === 429;
}

/** A `clientMessageId`; `randomUUID` is missing outside secure contexts in browsers. */
function randomId(): string {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
