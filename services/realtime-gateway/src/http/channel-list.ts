import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { bearerToken, serviceUnavailable } from '@chat/http-kit';
import { ChannelSummaries } from '@chat/contracts';
import type { PeerAnswer, PeerClient } from '../peers/client.ts';

const ListedChannels = z.looseObject({ items: z.array(z.looseObject({ id: z.string() })) });

/**
 * `GET /api/chat/channels`: the channels service's page, each channel completed with its last
 * message and the caller's unread count from messaging, in one extra call per page.
 */
export function listChannels(peers: PeerClient): RequestHandler {
  return async (req, res) => {
    const token = bearerToken(req.get('authorization'))!;
    const queryAt = req.originalUrl.indexOf('?');
    const query = queryAt === -1 ? '' : req.originalUrl.slice(queryAt);
    const page = await peers.call('channels', { method: 'GET', path: `/api/chat/channels${query}`, token, requestId: req.requestId });
    const listed = page.status === 200 ? ListedChannels.safeParse(page.body) : undefined;
    if (!listed?.success) return passOn(res, page);
    if (listed.data.items.length === 0) return void res.json(listed.data);

    const summaries = await peers.call('messaging', {
      method: 'POST',
      path: '/internal/channel-summaries',
      token,
      body: { channelIds: listed.data.items.map((channel) => channel.id) },
      requestId: req.requestId,
    });
    const parsed = summaries.status === 200 ? ChannelSummaries.safeParse(summaries.body) : undefined;
    if (!parsed?.success) throw serviceUnavailable('Messages are unavailable; try again shortly');
    const byChannel = new Map(parsed.data.items.map((summary) => [summary.channelId, summary]));
    res.json({
      ...listed.data,
      items: listed.data.items.map((channel) => ({
        ...channel,
        lastMessage: byChannel.get(channel.id)?.lastMessage ?? null,
        unreadCount: byChannel.get(channel.id)?.unreadCount ?? 0,
      })),
    });
  };
}

/** The service's own answer, refusals included, as it gave it. */
function passOn(res: Response, answer: PeerAnswer): void {
  res.status(answer.status);
  if (typeof answer.body === 'string') res.send(answer.body);
  else res.json(answer.body);
}
