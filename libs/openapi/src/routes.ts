import type { z } from 'zod';
import {
  Emoji,
  ListChannelsQuery,
  ListMessagesQuery,
  ListNotesQuery,
  ListUsersQuery,
  OpaqueId,
  PresenceQuery,
  SearchMessagesQuery,
  TicketQueueQuery,
  Uuid,
} from '@chat/contracts';
import type { RequestSchemaName, ResponseSchemaName } from './schemas.ts';

/** Who answers a route: the service the gateway routes it to, or the gateway itself. */
export type RouteOwner = 'channels' | 'messaging' | 'tickets' | 'gateway';
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec {
  operationId: string;
  method: HttpMethod;
  /** The public path as an OpenAPI template: `/api/chat/channels/{id}`. */
  path: string;
  owner: RouteOwner;
  summary: string;
  description?: string;
  /** Answered without a token (no 401, 429). */
  public?: boolean;
  /** The path template's parameters; a value that does not fit is a 404 like an unknown id. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  /** What a query or path parameter means, where its name does not say it. */
  parameterNotes?: Record<string, string>;
  body?: RequestSchemaName;
  /** The answer on success; no `schema` means an empty body. */
  response: { status: number; description: string; schema?: ResponseSchemaName; headers?: Record<string, string> };
  /**
   * Refusals particular to the route (403 for a role, 404 when a body or query names something
   * unseen, 409 for a state). The generic ones are added to every route they apply to: 401 and 429
   * with a token, 503 for anything that reaches a service or a store, 400/413/415 with a body, 400
   * with a query, 404 with a path parameter.
   */
  errors?: number[];
}

const ChannelId = { id: Uuid };
const MessageId = { id: Uuid };
const ResourceId = { id: Uuid };

/**
 * Every public route of the REST surface, as the gateway composes it (`/api/chat/...` on the
 * gateway's port): the contract's routes (API.md) and the additions the services made. The
 * gateway's routing table and each service's own routes are tested against this list.
 */
export const PUBLIC_ROUTES: readonly RouteSpec[] = [
  // channels
  {
    operationId: 'createChannel',
    method: 'post',
    path: '/api/chat/channels',
    owner: 'channels',
    summary: 'Open a channel',
    description:
      'A `SUPPORT` or `PLATFORM_SUPPORT` channel also needs `subject` and `category` (and takes `priority`): it opens a ticket. ' +
      'Who may open which type is in API.md "Who may do what"; a `PARTICIPANT` adds no one (`participantIds` is for staff).',
    body: 'CreateChannelBody',
    response: { status: 201, description: 'The new channel, `ACTIVE`, with its participants.', schema: 'ChannelWithParticipants' },
    errors: [403],
  },
  {
    operationId: 'listChannels',
    method: 'get',
    path: '/api/chat/channels',
    owner: 'channels',
    summary: 'List the channels the caller may see',
    description:
      'Newest activity first (`lastActivityAt`). The gateway completes each channel with `lastMessage` and the caller\'s `unreadCount` from messaging.',
    query: ListChannelsQuery,
    parameterNotes: { cursor: 'The `nextCursor` of the previous page.' },
    response: { status: 200, description: 'A page of channels.', schema: 'ChannelPage' },
  },
  {
    operationId: 'getChannel',
    method: 'get',
    path: '/api/chat/channels/{id}',
    owner: 'channels',
    summary: 'A channel, with its participants',
    params: ChannelId,
    response: { status: 200, description: 'The channel.', schema: 'ChannelWithParticipants' },
  },
  {
    operationId: 'addParticipant',
    method: 'post',
    path: '/api/chat/channels/{id}/participants',
    owner: 'channels',
    summary: 'Add someone to a channel',
    description: 'For staff who manage the channel. Adding someone already there changes nothing.',
    params: ChannelId,
    body: 'AddParticipantBody',
    response: { status: 200, description: 'The channel.', schema: 'ChannelWithParticipants' },
    errors: [403, 409],
  },
  {
    operationId: 'removeParticipant',
    method: 'delete',
    path: '/api/chat/channels/{id}/participants/{userId}',
    owner: 'channels',
    summary: 'Remove someone from a channel',
    description: 'Staff who manage the channel remove anyone; a `PARTICIPANT` may only remove itself (leave). Removing someone not taking part changes nothing.',
    params: { ...ChannelId, userId: OpaqueId },
    response: { status: 200, description: 'The channel.', schema: 'ChannelWithParticipants' },
    errors: [403, 409],
  },
  {
    operationId: 'escalateChannel',
    method: 'put',
    path: '/api/chat/channels/{id}/escalate',
    owner: 'channels',
    summary: 'Escalate to platform support',
    description: 'Every `SUPER_ADMIN` is alerted; `escalateTo` (a `SUPER_ADMIN`) becomes a participant and `escalatedTo`. On an `ESCALATED` channel, a `SUPER_ADMIN` escalating to itself takes the case.',
    params: ChannelId,
    body: 'EscalateBody',
    response: { status: 200, description: 'The channel, `ESCALATED`.', schema: 'ChannelWithParticipants' },
    errors: [403, 409],
  },
  {
    operationId: 'assignChannel',
    method: 'put',
    path: '/api/chat/channels/{id}/assign',
    owner: 'channels',
    summary: 'Assign to a staff member',
    description: 'The assignee (staff of the channel\'s tenant) becomes a participant.',
    params: ChannelId,
    body: 'AssignBody',
    response: { status: 200, description: 'The channel with `assignedTo`.', schema: 'ChannelWithParticipants' },
    errors: [403, 409],
  },
  {
    operationId: 'resolveChannel',
    method: 'put',
    path: '/api/chat/channels/{id}/resolve',
    owner: 'channels',
    summary: 'Resolve',
    params: ChannelId,
    body: 'ResolveBody',
    response: { status: 200, description: 'The channel, `RESOLVED`.', schema: 'ChannelWithParticipants' },
    errors: [403, 409],
  },
  {
    operationId: 'archiveChannel',
    method: 'delete',
    path: '/api/chat/channels/{id}',
    owner: 'channels',
    summary: 'Archive (nothing is deleted)',
    description: 'For `TENANT_ADMIN`s and `SUPER_ADMIN`s who may see the channel. An archived channel is read-only.',
    params: ChannelId,
    response: { status: 200, description: 'The channel, `ARCHIVED`.', schema: 'ChannelWithParticipants' },
    errors: [403, 409],
  },
  {
    operationId: 'listUsers',
    method: 'get',
    path: '/api/chat/users',
    owner: 'channels',
    summary: 'The users seen in tokens, for staff\'s pickers',
    description: 'Staff only. The users of the caller\'s tenant, or with `channelId` of that (visible) channel\'s tenant (how platform staff find an assignee), and platform staff.',
    query: ListUsersQuery,
    parameterNotes: { q: 'Part of the user id or name.', channelId: 'List the users of this channel\'s tenant (404 unless the caller may see it).' },
    response: { status: 200, description: 'The users, by name.', schema: 'SeenUserList' },
    errors: [403, 404],
  },

  // messaging
  {
    operationId: 'sendMessage',
    method: 'post',
    path: '/api/chat/channels/{id}/messages',
    owner: 'messaging',
    summary: 'Send a message',
    description:
      'The same `clientMessageId` again returns the first message (201 again, with `Idempotent-Replayed: true`), not a second one; reusing it in another channel is `409 CLIENT_MESSAGE_ID_REUSED`. ' +
      'The sender\'s read mark moves up to the new message. `409 CHANNEL_ARCHIVED` in an archived channel.',
    params: ChannelId,
    body: 'SendMessageBody',
    response: {
      status: 201,
      description: 'The message, with its `seq`.',
      schema: 'Message',
      headers: { 'Idempotent-Replayed': '`true` when this is the first answer again, for a repeated `clientMessageId`.' },
    },
    errors: [409],
  },
  {
    operationId: 'listMessages',
    method: 'get',
    path: '/api/chat/channels/{id}/messages',
    owner: 'messaging',
    summary: 'Message history, oldest first',
    description:
      'With `afterSeq`: the messages after it, and `nextCursor` the next `afterSeq` (`null` once caught up). Without: the latest (before `before`, if given), and `nextCursor` the next `before` (`null` at the start).',
    params: ChannelId,
    query: ListMessagesQuery,
    response: { status: 200, description: 'A page of messages; deleted ones are tombstones.', schema: 'MessagePage' },
  },
  {
    operationId: 'markRead',
    method: 'post',
    path: '/api/chat/channels/{id}/read',
    owner: 'messaging',
    summary: 'Move the caller\'s read mark',
    description: 'The mark only moves up, and never past the channel\'s last message.',
    params: ChannelId,
    body: 'MarkReadBody',
    response: { status: 200, description: 'The stored mark.', schema: 'ReadMark' },
  },
  {
    operationId: 'addNote',
    method: 'post',
    path: '/api/chat/channels/{id}/notes',
    owner: 'messaging',
    summary: 'Add an internal note (staff only)',
    description: 'A `PARTICIPANT` gets 404, even in its own channel. `409 CHANNEL_ARCHIVED` in an archived channel.',
    params: ChannelId,
    body: 'NoteBody',
    response: { status: 201, description: 'The note, with its own gap-free `seq`.', schema: 'Note' },
    errors: [409],
  },
  {
    operationId: 'listNotes',
    method: 'get',
    path: '/api/chat/channels/{id}/notes',
    owner: 'messaging',
    summary: 'Internal notes, oldest first (staff only)',
    params: ChannelId,
    query: ListNotesQuery,
    response: { status: 200, description: 'A page of notes; `nextCursor` is the next `afterSeq`, or `null`.', schema: 'NotePage' },
  },
  {
    operationId: 'editMessage',
    method: 'patch',
    path: '/api/chat/messages/{id}',
    owner: 'messaging',
    summary: 'Edit a message (its author only)',
    description: '`409 MESSAGE_DELETED` for a deleted message, `409 CHANNEL_ARCHIVED` in an archived channel.',
    params: MessageId,
    body: 'EditMessageBody',
    response: { status: 200, description: 'The message with `editedAt` set.', schema: 'Message' },
    errors: [403, 409],
  },
  {
    operationId: 'deleteMessage',
    method: 'delete',
    path: '/api/chat/messages/{id}',
    owner: 'messaging',
    summary: 'Delete a message, leaving a tombstone',
    description:
      'Its author, or tenant staff moderating a channel they see. Nobody deletes a `SYSTEM` message. The tombstone keeps `id` and `seq`, with `content: ""`, `metadata: null`, `reactions: {}` and `deletedAt`. Deleting again returns the same tombstone.',
    params: MessageId,
    response: { status: 200, description: 'The tombstone.', schema: 'Message' },
    errors: [403, 409],
  },
  {
    operationId: 'addReaction',
    method: 'post',
    path: '/api/chat/messages/{id}/reactions',
    owner: 'messaging',
    summary: 'React to a message',
    description: 'Each user holds each emoji at most once on a message. `409 TOO_MANY_REACTIONS` past 20 different emoji from one user on one message; 409 for a deleted message or an archived channel.',
    params: MessageId,
    body: 'ReactionBody',
    response: { status: 200, description: 'The message with its new `reactions` counts.', schema: 'Message' },
    errors: [409],
  },
  {
    operationId: 'removeReaction',
    method: 'delete',
    path: '/api/chat/messages/{id}/reactions/{emoji}',
    owner: 'messaging',
    summary: 'Take a reaction back',
    description: 'Removing an emoji the caller never added changes nothing.',
    params: { ...MessageId, emoji: Emoji },
    parameterNotes: { emoji: 'The emoji, URL-encoded.' },
    response: { status: 200, description: 'The message with its new `reactions` counts.', schema: 'Message' },
    errors: [409],
  },
  {
    operationId: 'searchMessages',
    method: 'get',
    path: '/api/chat/search',
    owner: 'messaging',
    summary: 'Full-text search over the messages the caller may read',
    description: '`q` reads like a web search box: words, `"a phrase"`, `-word`, `or`. Best match first; deleted messages are never found.',
    query: SearchMessagesQuery,
    parameterNotes: { channelId: 'Search this channel only (404 unless the caller may read it).', cursor: 'The `nextCursor` of the previous page.' },
    response: { status: 200, description: 'A page of matches, each with its `rank`.', schema: 'SearchPage' },
    errors: [404],
  },

  // tickets
  {
    operationId: 'listTickets',
    method: 'get',
    path: '/api/chat/tickets',
    owner: 'tickets',
    summary: 'The ticket queue',
    description:
      'Nearest SLA due time first; resolved and closed tickets last. A `PARTICIPANT` sees the tickets it opened, tenant staff all of their tenant\'s, a `SUPER_ADMIN` the escalated and platform ones.',
    query: TicketQueueQuery,
    parameterNotes: { channelId: 'The ticket of this channel (how a conversation finds its ticket).', cursor: 'The `nextCursor` of the previous page.' },
    response: { status: 200, description: 'A page of tickets.', schema: 'TicketPage' },
  },
  {
    operationId: 'getTicket',
    method: 'get',
    path: '/api/chat/tickets/{id}',
    owner: 'tickets',
    summary: 'A ticket and its history',
    params: ResourceId,
    response: { status: 200, description: 'The ticket, with `history` oldest first.', schema: 'TicketWithHistory' },
  },
  {
    operationId: 'updateTicket',
    method: 'patch',
    path: '/api/chat/tickets/{id}',
    owner: 'tickets',
    summary: 'Reprioritise or recategorise a ticket (staff)',
    description: 'A new priority moves the SLA due times. `409 TICKET_CLOSED` on a closed ticket.',
    params: ResourceId,
    body: 'UpdateTicketBody',
    response: { status: 200, description: 'The ticket.', schema: 'Ticket' },
    errors: [403, 409],
  },
  {
    operationId: 'getSlaPolicy',
    method: 'get',
    path: '/api/chat/sla-policy',
    owner: 'tickets',
    summary: 'The tenant\'s SLA targets (tenant staff)',
    response: { status: 200, description: 'The policy; `updatedAt` and `updatedBy` are null while it runs on the defaults.', schema: 'SlaPolicy' },
    errors: [403],
  },
  {
    operationId: 'putSlaPolicy',
    method: 'put',
    path: '/api/chat/sla-policy',
    owner: 'tickets',
    summary: 'Set the tenant\'s SLA targets (`TENANT_ADMIN`)',
    description: 'All four priorities; minutes from 0.01 to 525,600, resolution not below first response. Applies to tickets opened, reprioritised or reopened from then on.',
    body: 'PutSlaPolicyBody',
    response: { status: 200, description: 'The policy.', schema: 'SlaPolicy' },
    errors: [403],
  },
  {
    operationId: 'listCannedResponses',
    method: 'get',
    path: '/api/chat/canned-responses',
    owner: 'tickets',
    summary: 'The tenant\'s canned responses (staff)',
    response: { status: 200, description: 'The canned responses, by shortcut.', schema: 'CannedResponseList' },
    errors: [403],
  },
  {
    operationId: 'createCannedResponse',
    method: 'post',
    path: '/api/chat/canned-responses',
    owner: 'tickets',
    summary: 'Add a canned response (staff)',
    description: '`409 SHORTCUT_TAKEN` when the tenant has the shortcut already (regardless of case).',
    body: 'CreateCannedResponseBody',
    response: { status: 201, description: 'The canned response.', schema: 'CannedResponse' },
    errors: [403, 409],
  },
  {
    operationId: 'updateCannedResponse',
    method: 'patch',
    path: '/api/chat/canned-responses/{id}',
    owner: 'tickets',
    summary: 'Change a canned response (staff of its tenant)',
    description: 'A participant gets 404. `409 SHORTCUT_TAKEN` as for a new one.',
    params: ResourceId,
    body: 'UpdateCannedResponseBody',
    response: { status: 200, description: 'The canned response.', schema: 'CannedResponse' },
    errors: [409],
  },
  {
    operationId: 'deleteCannedResponse',
    method: 'delete',
    path: '/api/chat/canned-responses/{id}',
    owner: 'tickets',
    summary: 'Delete a canned response (staff of its tenant)',
    params: ResourceId,
    response: { status: 204, description: 'Deleted.' },
  },

  // the gateway's own
  {
    operationId: 'getPresence',
    method: 'get',
    path: '/api/chat/presence',
    owner: 'gateway',
    summary: 'Who of the caller\'s tenant is online',
    query: PresenceQuery,
    parameterNotes: { userIds: 'Comma-separated user ids to ask about (at most 200), offline ones included; absent: everyone online.' },
    response: { status: 200, description: 'One item per user asked about, or per user online.', schema: 'PresenceList' },
  },
  {
    operationId: 'issueDevToken',
    method: 'post',
    path: '/api/chat/dev/token',
    owner: 'gateway',
    public: true,
    summary: 'A token for whoever the body names (dev mode only)',
    description: 'Only with `DEV_AUTH=1` (the one-process local run); otherwise the route does not exist (404).',
    body: 'DevTokenBody',
    response: { status: 200, description: 'A signed token.', schema: 'DevToken' },
    errors: [404],
  },
  {
    operationId: 'getOpenApiDocument',
    method: 'get',
    path: '/api/chat/openapi.json',
    owner: 'gateway',
    public: true,
    summary: 'This document',
    response: { status: 200, description: 'The OpenAPI 3.1 document of the REST surface.', schema: 'OpenApiDocument' },
  },
];
