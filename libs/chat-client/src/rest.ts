import type {
  Channel,
  ChannelStatus,
  ChannelType,
  CreateCannedResponseBody,
  CreateChannelBody,
  CannedResponse,
  EditMessageBody,
  Message,
  Note,
  Page,
  PresenceItem,
  PutSlaPolicyBody,
  ReadMark,
  Role,
  SearchHit,
  SeenUser,
  SendMessageBody,
  SlaPolicy,
  Ticket,
  TicketCategory,
  TicketPriority,
  TicketStatus,
  TicketWithHistory,
  UpdateCannedResponseBody,
  UpdateTicketBody,
} from '@chat/contracts';
import { ChatError } from './errors.ts';

/** The caller's token, or a function that answers the current one (called for every request). */
export type TokenSource = string | (() => string | Promise<string>);

export interface RestClientOptions {
  /** The gateway, e.g. `https://chat.example.com` (the `/api/chat` paths are added). */
  baseUrl: string;
  token: TokenSource;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface ListChannelsParams {
  type?: ChannelType;
  status?: ChannelStatus;
  limit?: number;
  cursor?: string;
}
export interface ListMessagesParams {
  limit?: number;
  /** Messages before this `seq` (older history), newest page when neither is given. */
  before?: number;
  /** Messages after this `seq`, oldest first: catching up. */
  afterSeq?: number;
}
export interface ListTicketsParams {
  status?: TicketStatus;
  priority?: TicketPriority;
  category?: TicketCategory;
  assignedTo?: string;
  /** The ticket of this conversation, if the caller may see it. */
  channelId?: string;
  limit?: number;
  cursor?: string;
}
export interface ListUsersParams {
  role?: Role;
  q?: string;
  limit?: number;
  channelId?: string;
}
export interface SearchParams {
  q: string;
  channelId?: string;
  limit?: number;
  cursor?: string;
}

/** Every REST route of the public API, typed with the contracts. */
export class ChatRestClient {
  readonly #baseUrl: string;
  readonly #token: TokenSource;
  readonly #fetch: typeof fetch;

  constructor(options: RestClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Dev mode only (`DEV_AUTH=1`): a token for whoever the body names. */
  static async devToken(
    baseUrl: string,
    body: { userId: string; tenantId: string; role: Role; name?: string },
    fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ): Promise<string> {
    const response = await send(fetchImpl, `${baseUrl.replace(/\/+$/, '')}/api/chat/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await answerOf<{ token: string }>(response)).token;
  }

  // Channels
  createChannel(body: CreateChannelBody): Promise<Channel> {
    return this.request('POST', '/channels', { body });
  }
  listChannels(params: ListChannelsParams = {}): Promise<Page<Channel>> {
    return this.request('GET', '/channels', { query: { ...params } });
  }
  getChannel(channelId: string): Promise<Channel> {
    return this.request('GET', `/channels/${enc(channelId)}`);
  }
  archiveChannel(channelId: string): Promise<Channel> {
    return this.request('DELETE', `/channels/${enc(channelId)}`);
  }
  escalateChannel(channelId: string, body: { reason: string; escalateTo?: string }): Promise<Channel> {
    return this.request('PUT', `/channels/${enc(channelId)}/escalate`, { body });
  }
  assignChannel(channelId: string, body: { assigneeId: string }): Promise<Channel> {
    return this.request('PUT', `/channels/${enc(channelId)}/assign`, { body });
  }
  resolveChannel(channelId: string, body: { resolution?: string } = {}): Promise<Channel> {
    return this.request('PUT', `/channels/${enc(channelId)}/resolve`, { body });
  }
  addParticipant(channelId: string, body: { userId: string }): Promise<Channel> {
    return this.request('POST', `/channels/${enc(channelId)}/participants`, { body });
  }
  removeParticipant(channelId: string, userId: string): Promise<Channel> {
    return this.request('DELETE', `/channels/${enc(channelId)}/participants/${enc(userId)}`);
  }
  listUsers(params: ListUsersParams = {}): Promise<{ items: SeenUser[] }> {
    return this.request('GET', '/users', { query: { ...params } });
  }

  // Messages
  sendMessage(channelId: string, body: SendMessageBody): Promise<Message> {
    return this.request('POST', `/channels/${enc(channelId)}/messages`, { body });
  }
  listMessages(channelId: string, params: ListMessagesParams = {}): Promise<Page<Message>> {
    return this.request('GET', `/channels/${enc(channelId)}/messages`, { query: { ...params } });
  }
  markRead(channelId: string, seq: number): Promise<ReadMark> {
    return this.request('POST', `/channels/${enc(channelId)}/read`, { body: { seq } });
  }
  editMessage(messageId: string, body: EditMessageBody): Promise<Message> {
    return this.request('PATCH', `/messages/${enc(messageId)}`, { body });
  }
  deleteMessage(messageId: string): Promise<Message> {
    return this.request('DELETE', `/messages/${enc(messageId)}`);
  }
  addReaction(messageId: string, emoji: string): Promise<Message> {
    return this.request('POST', `/messages/${enc(messageId)}/reactions`, { body: { emoji } });
  }
  removeReaction(messageId: string, emoji: string): Promise<Message> {
    return this.request('DELETE', `/messages/${enc(messageId)}/reactions/${enc(emoji)}`);
  }
  search(params: SearchParams): Promise<Page<SearchHit>> {
    return this.request('GET', '/search', { query: { ...params } });
  }
  addNote(channelId: string, body: { content: string }): Promise<Note> {
    return this.request('POST', `/channels/${enc(channelId)}/notes`, { body });
  }
  listNotes(channelId: string, params: { afterSeq?: number; limit?: number } = {}): Promise<Page<Note>> {
    return this.request('GET', `/channels/${enc(channelId)}/notes`, { query: { ...params } });
  }

  // Tickets and the support desk
  listTickets(params: ListTicketsParams = {}): Promise<Page<Ticket>> {
    return this.request('GET', '/tickets', { query: { ...params } });
  }
  getTicket(ticketId: string): Promise<TicketWithHistory> {
    return this.request('GET', `/tickets/${enc(ticketId)}`);
  }
  updateTicket(ticketId: string, body: UpdateTicketBody): Promise<Ticket> {
    return this.request('PATCH', `/tickets/${enc(ticketId)}`, { body });
  }
  getSlaPolicy(): Promise<SlaPolicy> {
    return this.request('GET', '/sla-policy');
  }
  putSlaPolicy(body: PutSlaPolicyBody): Promise<SlaPolicy> {
    return this.request('PUT', '/sla-policy', { body });
  }
  listCannedResponses(): Promise<{ items: CannedResponse[] }> {
    return this.request('GET', '/canned-responses');
  }
  createCannedResponse(body: CreateCannedResponseBody): Promise<CannedResponse> {
    return this.request('POST', '/canned-responses', { body });
  }
  updateCannedResponse(id: string, body: UpdateCannedResponseBody): Promise<CannedResponse> {
    return this.request('PATCH', `/canned-responses/${enc(id)}`, { body });
  }
  deleteCannedResponse(id: string): Promise<void> {
    return this.request('DELETE', `/canned-responses/${enc(id)}`);
  }

  // The gateway's own
  presence(userIds?: readonly string[]): Promise<{ items: PresenceItem[] }> {
    return this.request('GET', '/presence', { query: { userIds: userIds?.join(',') } });
  }

  /** Any route under `/api/chat`; answers the parsed JSON body, throws `ChatError` on a refusal. */
  async request<T>(method: string, path: string, { query, body }: { query?: Query; body?: unknown } = {}): Promise<T> {
    const token = typeof this.#token === 'function' ? await this.#token() : this.#token;
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await send(this.#fetch, `${this.#baseUrl}/api/chat${path}${queryString(query)}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return answerOf<T>(response);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null) params.set(name, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

async function send(fetchImpl: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchImpl(url, init);
  } catch (error) {
    throw new ChatError(0, 'NETWORK_ERROR', 'The server could not be reached', undefined, { cause: error });
  }
}

async function answerOf<T>(response: Response): Promise<T> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  throw new ChatError(
    response.status,
    typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
    typeof error?.message === 'string' ? error.message : `The server answered ${response.status}`,
    error?.details,
  );
}
