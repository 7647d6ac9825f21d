import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { Message } from '@chat/contracts';

/**
 * A stand-in for the gateway, speaking its protocol with a real Socket.IO server: `/chat` with a
 * token check, `join_channel`, `send_message`, `mark_read`, `typing`, and the messages REST
 * routes. Tests decide what the socket loses: a message can be stored without being emitted,
 * emitted twice, or connections can be cut.
 */
export interface FakeGateway {
  url: string;
  io: Server;
  /** Tokens the handshake and REST accept. */
  tokens: Set<string>;
  /** Channels that refuse `join_channel` (and REST) with `NOT_FOUND`. */
  hidden: Set<string>;
  messages: Map<string, Message[]>;
  /** Every `join_channel`, in order; and every other client event. */
  joins: string[];
  events: { event: string; payload: unknown }[];
  /** Stores a message, as messaging would; emits `new_message` unless told to lose it. */
  append(channelId: string, content: string, options?: { emit?: boolean }): Message;
  emit(channelId: string, message: Message): void;
  /** Cuts every connection under the sockets (clients reconnect by themselves). */
  cutConnections(): void;
  /** Ends every socket the way the server does when a token expires. */
  disconnectSockets(): void;
  close(): Promise<void>;
}

export async function startFakeGateway(): Promise<FakeGateway> {
  const messages = new Map<string, Message[]>();
  const byClientId = new Map<string, Message>();
  const tokens = new Set<string>();
  const hidden = new Set<string>();
  const joins: string[] = [];
  const events: { event: string; payload: unknown }[] = [];

  const append = (channelId: string, content: string, senderId = 'someone', clientMessageId?: string): Message => {
    const key = clientMessageId === undefined ? undefined : `${senderId}:${clientMessageId}`;
    const earlier = key === undefined ? undefined : byClientId.get(key);
    if (earlier) return earlier;
    const list = messages.get(channelId) ?? [];
    messages.set(channelId, list);
    const message: Message = {
      id: crypto.randomUUID(),
      channelId,
      tenantId: 't',
      seq: list.length + 1,
      senderId,
      senderType: 'PARTICIPANT',
      content,
      metadata: null,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
    };
    list.push(message);
    if (key !== undefined) byClientId.set(key, message);
    return message;
  };

  const server = createServer((req, res) => void rest(req, res));
  async function rest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !tokens.has(token)) return reply(401, { error: { code: 'UNAUTHENTICATED', message: 'Authentication is required' } });
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/api\/chat\/channels\/([^/]+)\/messages$/.exec(url.pathname);
    if (!match || hidden.has(match[1]!)) return reply(404, { error: { code: 'NOT_FOUND', message: 'Not found' } });
    const channelId = match[1]!;
    if (req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += String(chunk);
      const body = JSON.parse(text) as { content: string; clientMessageId?: string };
      const message = append(channelId, body.content, token, body.clientMessageId);
      emitTo(channelId, message);
      return reply(201, message);
    }
    const all = messages.get(channelId) ?? [];
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const afterSeq = url.searchParams.get('afterSeq');
    if (afterSeq === null) return reply(200, { items: all.slice(-limit), nextCursor: null });
    const after = all.filter((message) => message.seq > Number(afterSeq));
    const items = after.slice(0, limit);
    reply(200, { items, nextCursor: after.length > limit ? String(items.at(-1)!.seq) : null });
  }

  const io = new Server(server, { serveClient: false });
  const chat = io.of('/chat');
  const emitTo = (channelId: string, message: Message) => chat.to(`c:${channelId}`).emit('new_message', { channelId, message });
  chat.use((socket, next) => {
    const token: unknown = socket.handshake.auth.token;
    if (typeof token === 'string' && tokens.has(token)) {
      socket.data.token = token;
      return next();
    }
    next(Object.assign(new Error('The token is not valid'), { data: { code: 'UNAUTHENTICATED', message: 'The token is not valid' } }));
  });
  chat.on('connection', (socket: Socket) => {
    socket.on('join_channel', ({ channelId }: { channelId: string }, ack: (answer: unknown) => void) => {
      joins.push(channelId);
      if (hidden.has(channelId)) return ack({ ok: false, error: { code: 'NOT_FOUND', message: 'Not found' } });
      void socket.join(`c:${channelId}`);
      ack({ ok: true });
    });
    socket.on('leave_channel', ({ channelId }: { channelId: string }, ack: (answer: unknown) => void) => {
      void socket.leave(`c:${channelId}`);
      ack({ ok: true });
    });
    socket.on('send_message', ({ channelId, content, clientMessageId }: { channelId: string; content: string; clientMessageId?: string }, ack: (answer: unknown) => void) => {
      const message = append(channelId, content, socket.data.token as string, clientMessageId);
      // The room hears of it first; the sender's acknowledgement comes after.
      emitTo(channelId, message);
      ack({ ok: true, message });
    });
    socket.on('mark_read', (payload: unknown, ack: (answer: unknown) => void) => {
      events.push({ event: 'mark_read', payload });
      ack({ ok: true });
    });
    socket.on('typing', (payload: unknown) => events.push({ event: 'typing', payload }));
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    io,
    tokens,
    hidden,
    messages,
    joins,
    events,
    append(channelId, content, { emit = true } = {}) {
      const message = append(channelId, content);
      if (emit) emitTo(channelId, message);
      return message;
    },
    emit: emitTo,
    cutConnections() {
      for (const socket of chat.sockets.values()) socket.conn.close();
    },
    disconnectSockets() {
      chat.disconnectSockets(true);
    },
    async close() {
      await new Promise((resolve) => io.close(resolve));
    },
  };
}
