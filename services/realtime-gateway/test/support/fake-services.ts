import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request } from 'express';
import { AuthError, type Verifier, type VerifiedPrincipal } from '@chat/auth';
import { canSeeChannel, makeEnvelope, type ChannelSnapshot, type Message, type Principal } from '@chat/contracts';
import type { EventBus } from '@chat/event-bus';

/**
 * Stand-ins for channels, messaging and tickets: just enough of each (and of their internal
 * routes) for the gateway to route to, ask, and send through. Every other route answers an echo
 * of what it received, so tests can see exactly what the gateway forwarded.
 */
export interface FakeServices {
  channelsUrl: string;
  messagingUrl: string;
  ticketsUrl: string;
  channels: Map<string, ChannelSnapshot>;
  /** Messages per channel, in `seq` order. */
  messages: Map<string, Message[]>;
  /** Calls to `GET /internal/channels/:id`: how often the gateway asked. */
  accessChecks: number;
  addChannel(channel: Partial<ChannelSnapshot> & Pick<ChannelSnapshot, 'tenantId' | 'type'>): ChannelSnapshot;
  /** Changes a channel as the channels service would: a new revision. */
  updateChannel(id: string, change: Partial<ChannelSnapshot>): ChannelSnapshot;
  /** Stops one of them, so tests can see what the gateway does when an owner is down. */
  stop(name?: 'channels' | 'messaging' | 'tickets'): Promise<void>;
}

export async function startFakeServices({ verifier, bus }: { verifier: Verifier; bus?: EventBus }): Promise<FakeServices> {
  const channels = new Map<string, ChannelSnapshot>();
  const messages = new Map<string, Message[]>();
  const byClientId = new Map<string, Message>();

  const authenticated = (app: Express) =>
    app.use(async (req, res, next) => {
      try {
        const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
        if (!token) throw new AuthError('TOKEN_MISSING');
        (req as Request & { caller: VerifiedPrincipal }).caller = await verifier.verify(token);
        next();
      } catch {
        res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'Authentication is required' } });
      }
    });
  const callerOf = (req: Request) => (req as Request & { caller: VerifiedPrincipal }).caller;
  /** A channel the fakes do not hold is not theirs to judge: the request falls through to the echo. */
  const unknown = (req: Request) => !channels.has(String(req.params.id));
  const visible = (caller: Principal, id: string) => {
    const channel = channels.get(id);
    return channel && canSeeChannel(caller, channel) ? channel : undefined;
  };
  const notFound = { error: { code: 'NOT_FOUND', message: 'Not found' } };
  const echo = (owner: string) => (req: Request, res: express.Response) =>
    res.status(200).json({ owner, method: req.method, url: req.originalUrl, body: req.body ?? null, authorization: req.get('authorization') ?? null, headers: req.headers });

  const fakes: FakeServices = {
    channelsUrl: '',
    messagingUrl: '',
    ticketsUrl: '',
    channels,
    messages,
    accessChecks: 0,
    addChannel(partial) {
      const channel: ChannelSnapshot = {
        id: crypto.randomUUID(),
        status: 'ACTIVE',
        name: null,
        createdBy: partial.participants?.[0]?.userId ?? 'creator',
        assignedTo: null,
        escalatedTo: null,
        participants: [],
        revision: 1,
        updatedAt: new Date().toISOString(),
        ...partial,
      };
      channels.set(channel.id, channel);
      return channel;
    },
    updateChannel(id, change) {
      const current = channels.get(id);
      if (!current) throw new Error(`no channel ${id}`);
      const next = { ...current, ...change, revision: current.revision + 1, updatedAt: new Date().toISOString() };
      channels.set(id, next);
      return next;
    },
    stop: async () => undefined,
  };

  const channelsApp = express();
  channelsApp.use(express.json());
  authenticated(channelsApp);
  channelsApp.get('/internal/channels/:id', (req, res) => {
    fakes.accessChecks += 1;
    const channel = visible(callerOf(req), String(req.params.id));
    if (!channel) return void res.status(404).json(notFound);
    res.json(channel);
  });
  channelsApp.get('/api/chat/channels', (req, res) => {
    const caller = callerOf(req);
    const items = [...channels.values()].filter((channel) => canSeeChannel(caller, channel)).map((channel) => ({ ...channel, metadata: null }));
    res.json({ items, nextCursor: null });
  });
  channelsApp.use(echo('channels'));

  const messagingApp = express();
  messagingApp.use(express.json());
  authenticated(messagingApp);
  messagingApp.post('/api/chat/channels/:id/messages', async (req, res, next) => {
    if (unknown(req)) return next();
    const caller = callerOf(req);
    const channel = visible(caller, String(req.params.id));
    if (!channel) return void res.status(404).json(notFound);
    const { content, clientMessageId } = req.body as { content?: unknown; clientMessageId?: string };
    if (typeof content !== 'string' || content.length === 0 || content.length > 10_000) {
      return void res.status(400).json({ error: { code: 'VALIDATION_FAILED', message: 'bad content', details: [{ field: 'content', message: 'bad' }] } });
    }
    if (channel.status === 'ARCHIVED') return void res.status(409).json({ error: { code: 'CHANNEL_ARCHIVED', message: 'The channel is archived' } });
    const key = clientMessageId === undefined ? undefined : `${caller.userId}:${clientMessageId}`;
    const earlier = key === undefined ? undefined : byClientId.get(key);
    if (earlier) return void res.status(201).json(earlier);
    const message = appendMessage(channel, caller.userId, caller.role, content);
    if (key !== undefined) byClientId.set(key, message);
    await bus?.publish([makeEnvelope('message.created', channel.tenantId, { userId: caller.userId, role: caller.role }, { message })]);
    res.status(201).json(message);
  });
  messagingApp.get('/api/chat/channels/:id/messages', (req, res, next) => {
    if (unknown(req)) return next();
    const channel = visible(callerOf(req), String(req.params.id));
    if (!channel) return void res.status(404).json(notFound);
    const all = messages.get(channel.id) ?? [];
    const limit = Number(req.query.limit ?? 50);
    if (req.query.afterSeq !== undefined) {
      const after = all.filter((message) => message.seq > Number(req.query.afterSeq));
      const items = after.slice(0, limit);
      return void res.json({ items, nextCursor: after.length > limit ? String(items.at(-1)!.seq) : null });
    }
    res.json({ items: all.slice(-limit), nextCursor: null });
  });
  messagingApp.post('/api/chat/channels/:id/read', async (req, res, next) => {
    if (unknown(req)) return next();
    const caller = callerOf(req);
    const channel = visible(caller, String(req.params.id));
    if (!channel) return void res.status(404).json(notFound);
    const seq = Number((req.body as { seq?: unknown }).seq);
    await bus?.publish([makeEnvelope('message.read', channel.tenantId, { userId: caller.userId, role: caller.role }, { channelId: channel.id, userId: caller.userId, seq })]);
    res.json({ channelId: channel.id, userId: caller.userId, seq });
  });
  messagingApp.post('/internal/channel-summaries', (req, res) => {
    const caller = callerOf(req);
    const ids = (req.body as { channelIds: string[] }).channelIds;
    const items = ids
      .filter((id) => visible(caller, id))
      .map((id) => {
        const all = messages.get(id) ?? [];
        return { channelId: id, lastMessage: all.at(-1) ?? null, unreadCount: all.filter((message) => message.senderId !== caller.userId).length };
      });
    res.json({ items });
  });
  messagingApp.use(echo('messaging'));

  const ticketsApp = express();
  ticketsApp.use(express.json());
  ticketsApp.use(echo('tickets'));

  function appendMessage(channel: ChannelSnapshot, senderId: string, role: Principal['role'], content: string): Message {
    const list = messages.get(channel.id) ?? [];
    messages.set(channel.id, list);
    const message: Message = {
      id: crypto.randomUUID(),
      channelId: channel.id,
      tenantId: channel.tenantId,
      seq: list.length + 1,
      senderId,
      senderType: role,
      content,
      metadata: null,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
    };
    list.push(message);
    return message;
  }

  const servers: Record<'channels' | 'messaging' | 'tickets', Server> = {
    channels: createServer(channelsApp),
    messaging: createServer(messagingApp),
    tickets: createServer(ticketsApp),
  };
  for (const [name, server] of Object.entries(servers)) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (name === 'channels') fakes.channelsUrl = url;
    if (name === 'messaging') fakes.messagingUrl = url;
    if (name === 'tickets') fakes.ticketsUrl = url;
  }
  fakes.stop = async (name) => {
    const chosen = name ? [servers[name]] : Object.values(servers);
    await Promise.all(
      chosen.map(async (server) => {
        if (!server.listening) return;
        const closed = new Promise((resolve) => server.close(resolve));
        server.closeAllConnections();
        await closed;
      }),
    );
  };
  return fakes;
}
