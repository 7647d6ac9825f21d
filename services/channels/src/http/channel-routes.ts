import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  AddParticipantBody,
  AssignBody,
  ChannelType,
  CreateChannelBody,
  EscalateBody,
  ListChannelsQuery,
  OpaqueId,
  ResolveBody,
  Uuid,
} from '@chat/contracts';
import { parseBody, parseParams, parseQuery, principalOf } from '@chat/http-kit';
import { toChannel } from '../domain/channel.ts';
import { requireMayCreate, type ChannelChanges } from '../domain/channel-changes.ts';
import { getVisibleChannel, listChannels } from '../domain/channel-reads.ts';
import type { Database } from '@chat/database';

const ChannelParams = z.object({ id: Uuid });
const ParticipantParams = z.object({ id: Uuid, userId: OpaqueId });

/** The channel id of the path; one that cannot exist is a 404 like any unknown one. */
const channelIdOf = (req: Request) => parseParams(ChannelParams, req).id;

/** The `type` of a create request, when it names one: its role check (403) comes before the body's (400). */
function requestedType(body: unknown): ChannelType | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const type = ChannelType.safeParse((body as { type?: unknown }).type);
  return type.success ? type.data : undefined;
}

/** `/api/chat/channels...`: parse, call the domain, answer the `Channel`. */
export function channelRoutes(db: Database, changes: ChannelChanges): Router {
  const router = Router();

  router.post('/api/chat/channels', async (req, res) => {
    const principal = principalOf(req);
    const type = requestedType(req.body);
    if (type !== undefined) requireMayCreate(principal.role, type);
    const channel = await changes.create(principal, parseBody(CreateChannelBody, req));
    res.status(201).json(toChannel(channel));
  });

  router.get('/api/chat/channels', async (req, res) => {
    const page = await listChannels(db, principalOf(req), parseQuery(ListChannelsQuery, req));
    res.json({ items: page.items.map((channel) => toChannel(channel, { withParticipants: false })), nextCursor: page.nextCursor });
  });

  router.get('/api/chat/channels/:id', async (req, res) => {
    res.json(toChannel(await getVisibleChannel(db, principalOf(req), channelIdOf(req))));
  });

  router.post('/api/chat/channels/:id/participants', async (req, res) => {
    const channel = await changes.addParticipant(principalOf(req), channelIdOf(req), () => parseBody(AddParticipantBody, req));
    res.json(toChannel(channel));
  });

  router.delete('/api/chat/channels/:id/participants/:userId', async (req, res) => {
    const { id, userId } = parseParams(ParticipantParams, req);
    res.json(toChannel(await changes.removeParticipant(principalOf(req), id, userId)));
  });

  router.put('/api/chat/channels/:id/escalate', async (req, res) => {
    const channel = await changes.escalate(principalOf(req), channelIdOf(req), () => parseBody(EscalateBody, req));
    res.json(toChannel(channel));
  });

  router.put('/api/chat/channels/:id/assign', async (req, res) => {
    const channel = await changes.assign(principalOf(req), channelIdOf(req), () => parseBody(AssignBody, req));
    res.json(toChannel(channel));
  });

  router.put('/api/chat/channels/:id/resolve', async (req, res) => {
    const channel = await changes.resolve(principalOf(req), channelIdOf(req), () => parseBody(ResolveBody, req));
    res.json(toChannel(channel));
  });

  router.delete('/api/chat/channels/:id', async (req, res) => {
    res.json(toChannel(await changes.archive(principalOf(req), channelIdOf(req))));
  });

  return router;
}
