import { Router, type Express, type Request } from 'express';
import { z } from 'zod';
import {
  ChannelSummariesBody,
  EditMessageBody,
  Emoji,
  ListMessagesQuery,
  ListNotesQuery,
  MarkReadBody,
  NoteBody,
  ReactionBody,
  SearchMessagesQuery,
  SendMessageBody,
  Uuid,
} from '@chat/contracts';
import type { Database } from '@chat/database';
import { authenticate, parseBody, parseParams, parseQuery, principalOf } from '@chat/http-kit';
import type { Caller } from '../domain/channel-access.ts';
import type { MessageChanges } from '../domain/message-changes.ts';
import type { Messages } from '../domain/messages.ts';
import type { Notes } from '../domain/notes.ts';
import { decodeSearchCursor, type Search } from '../domain/search.ts';
import { summarizeChannels } from '../domain/summaries.ts';

export interface MessagingHandlers {
  db: Database;
  messages: Messages;
  changes: MessageChanges;
  notes: Notes;
  search: Search;
}

const ChannelParams = z.object({ channelId: Uuid });
const MessageParams = z.object({ messageId: Uuid });
const ReactionParams = z.object({ messageId: Uuid, emoji: Emoji });

const callerOf = (req: Request): Caller => ({ principal: principalOf(req), authorization: req.get('authorization') });

/**
 * The public routes under `/api/chat` (the gateway forwards them as they are) and the internal
 * ones under `/internal` (service to service, with the caller's token forwarded). Each parses its
 * path first (a malformed id is as unknown as a missing one: 404), lets the domain judge the
 * channel, and only then has the body read, so the answers come in the order 401, 404, 403,
 * 400, 409.
 */
export function mountRoutes(app: Express, handlers: MessagingHandlers): void {
  const { messages, changes, notes, search, db } = handlers;
  const api = Router();
  api.use(authenticate());

  api.post('/channels/:channelId/messages', async (req, res) => {
    const { channelId } = parseParams(ChannelParams, req);
    const { message, replayed } = await messages.send(callerOf(req), channelId, () => parseBody(SendMessageBody, req));
    if (replayed) res.set('idempotent-replayed', 'true');
    res.status(201).json(message);
  });

  api.get('/channels/:channelId/messages', async (req, res) => {
    const { channelId } = parseParams(ChannelParams, req);
    const query = parseQuery(ListMessagesQuery, req);
    res.json(await messages.history(callerOf(req), channelId, query));
  });

  api.post('/channels/:channelId/read', async (req, res) => {
    const { channelId } = parseParams(ChannelParams, req);
    res.json(await messages.markRead(callerOf(req), channelId, () => parseBody(MarkReadBody, req)));
  });

  api.patch('/messages/:messageId', async (req, res) => {
    const { messageId } = parseParams(MessageParams, req);
    res.json(await changes.edit(callerOf(req), messageId, () => parseBody(EditMessageBody, req)));
  });

  api.delete('/messages/:messageId', async (req, res) => {
    const { messageId } = parseParams(MessageParams, req);
    res.json(await changes.remove(callerOf(req), messageId));
  });

  api.post('/messages/:messageId/reactions', async (req, res) => {
    const { messageId } = parseParams(MessageParams, req);
    res.json(await changes.react(callerOf(req), messageId, () => parseBody(ReactionBody, req)));
  });

  api.delete('/messages/:messageId/reactions/:emoji', async (req, res) => {
    const { messageId, emoji } = parseParams(ReactionParams, req);
    res.json(await changes.unreact(callerOf(req), messageId, emoji));
  });

  api.post('/channels/:channelId/notes', async (req, res) => {
    const { channelId } = parseParams(ChannelParams, req);
    res.status(201).json(await notes.add(callerOf(req), channelId, () => parseBody(NoteBody, req)));
  });

  api.get('/channels/:channelId/notes', async (req, res) => {
    const { channelId } = parseParams(ChannelParams, req);
    res.json(await notes.list(callerOf(req), channelId, parseQuery(ListNotesQuery, req)));
  });

  api.get('/search', async (req, res) => {
    const { q, channelId, limit, cursor } = parseQuery(SearchMessagesQuery, req);
    const after = cursor === undefined ? null : decodeSearchCursor(cursor);
    res.json(await search.search(callerOf(req), { q, channelId, limit, after }));
  });

  const internal = Router();
  internal.use(authenticate());
  internal.post('/channel-summaries', async (req, res) => {
    const { channelIds } = parseBody(ChannelSummariesBody, req);
    res.json({ items: await summarizeChannels(db, callerOf(req), channelIds) });
  });

  app.use('/api/chat', api);
  app.use('/internal', internal);
}
