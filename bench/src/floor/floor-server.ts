/**
 * The floor under the system: plain Socket.IO with the Redis adapter, and one HTTP hop that
 * broadcasts. Same namespace, events, REST path and payload shapes as the gateway, with no
 * authentication, database or broker: what any chat built on these parts cannot go below.
 * Run as its own process: `PORT`, `REDIS_URL`, `FLOOR_KEY` (the adapter's channel prefix).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const SEND_PATH = /^\/api\/chat\/channels\/([^/]+)\/messages$/;
const room = (channelId: string) => `c:${channelId}`;

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const seqs = new Map<string, number>();

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, { ok: true });
  // Ready once both adapter connections are up: a broadcast before that would miss the other replica.
  if (req.method === 'GET' && req.url === '/readyz') return answer(res, pub.status === 'ready' && sub.status === 'ready' ? 200 : 503, {});
  const match = req.method === 'POST' ? SEND_PATH.exec(req.url ?? '') : null;
  if (!match) return answer(res, 404, { error: { code: 'NOT_FOUND', message: 'No such route' } });
  void broadcast(req, res, decodeURIComponent(match[1]!));
});

const io = new Server(server, { serveClient: false, adapter: createAdapter(pub, sub, { key: `${process.env.FLOOR_KEY ?? 'floor'}:socket.io` }) });
const chat = io.of('/chat');
chat.on('connection', (socket) => {
  socket.on('join_channel', (payload: { channelId?: unknown }, ack?: (answer: unknown) => void) => {
    if (typeof payload?.channelId !== 'string') return ack?.({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'channelId' } });
    void socket.join(room(payload.channelId));
    ack?.({ ok: true });
  });
});

async function broadcast(req: IncomingMessage, res: ServerResponse, channelId: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: { content?: unknown; metadata?: unknown };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
  } catch {
    return answer(res, 400, { error: { code: 'VALIDATION_FAILED', message: 'Not JSON' } });
  }
  const seq = (seqs.get(channelId) ?? 0) + 1;
  seqs.set(channelId, seq);
  // A message of the contract's shape, so a delivery weighs what the system's does.
  const message = {
    id: randomUUID(),
    channelId,
    tenantId: 'floor',
    seq,
    senderId: 'floor',
    senderType: 'PARTICIPANT',
    content: body.content,
    metadata: body.metadata ?? null,
    createdAt: new Date().toISOString(),
    editedAt: null,
    deletedAt: null,
  };
  chat.to(room(channelId)).emit('new_message', { channelId, message });
  answer(res, 201, message);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');

const stop = () => {
  io.close(() => {
    pub.disconnect();
    sub.disconnect();
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
