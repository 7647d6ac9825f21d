import { z } from 'zod';
import {
  AddParticipantBody,
  AssignBody,
  CannedResponse,
  Channel,
  ChannelStatus,
  ChannelType,
  CreateCannedResponseBody,
  CreateChannelBody,
  DevTokenBody,
  EditMessageBody,
  ErrorBody,
  EscalateBody,
  MarkReadBody,
  Message,
  Note,
  NoteBody,
  pageOf,
  Participant,
  PresenceItem,
  PutSlaPolicyBody,
  ReactionBody,
  ReadMark,
  ResolveBody,
  Role,
  SearchHit,
  SeenUser,
  SenderType,
  SendMessageBody,
  SlaPolicy,
  SlaTarget,
  SlaTargets,
  Ticket,
  TicketCategory,
  TicketHistoryEntry,
  TicketPriority,
  TicketStatus,
  TicketWithHistory,
  UpdateCannedResponseBody,
  UpdateTicketBody,
} from '@chat/contracts';

/**
 * The named schemas of the document (`#/components/schemas/<name>`): the contract's zod schemas,
 * and the answers the routes compose from them. Request bodies are described as the services
 * accept them (zod's input), answers as they give them (zod's output).
 */

/** The same in both directions: enums and the SLA targets, which are both sent and answered. */
export const sharedSchemas = {
  Role,
  ChannelType,
  ChannelStatus,
  SenderType,
  TicketCategory,
  TicketPriority,
  TicketStatus,
  SlaTarget,
  SlaTargets,
} as const;

export const requestSchemas = {
  CreateChannelBody,
  AddParticipantBody,
  EscalateBody,
  AssignBody,
  ResolveBody,
  SendMessageBody,
  MarkReadBody,
  EditMessageBody,
  ReactionBody,
  NoteBody,
  UpdateTicketBody,
  PutSlaPolicyBody,
  CreateCannedResponseBody,
  UpdateCannedResponseBody,
  DevTokenBody,
} as const;

/** A channel as its own routes answer it: with who takes part. */
const ChannelWithParticipants = Channel.required({ participants: true });
/** A channel in the list: its last message and the caller's unread count, without participants. */
const ListedChannel = Channel.omit({ participants: true }).required({ lastMessage: true, unreadCount: true });

const itemsOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export const responseSchemas = {
  Channel,
  ChannelWithParticipants,
  ListedChannel,
  ChannelPage: pageOf(ListedChannel),
  Participant,
  Message,
  MessagePage: pageOf(Message),
  ReadMark,
  Note,
  NotePage: pageOf(Note),
  SearchHit,
  SearchPage: pageOf(SearchHit),
  SeenUser,
  SeenUserList: itemsOf(SeenUser),
  Ticket,
  TicketPage: pageOf(Ticket),
  TicketHistoryEntry,
  TicketWithHistory,
  SlaPolicy,
  CannedResponse,
  CannedResponseList: itemsOf(CannedResponse),
  PresenceItem,
  PresenceList: itemsOf(PresenceItem),
  DevToken: z.object({ token: z.string() }),
  OpenApiDocument: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }),
  ErrorBody,
} as const;

export type RequestSchemaName = keyof typeof requestSchemas;
export type ResponseSchemaName = keyof typeof responseSchemas;
