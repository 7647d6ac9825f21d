import { opensTicket } from '@chat/contracts';
import type {
  CannedResponse,
  Channel,
  ChannelType,
  CreateCannedResponseBody,
  Message,
  Note,
  SearchHit,
  SeenUser,
  Ticket,
  TicketCategory,
  TicketPriority,
  TicketWithHistory,
} from '@chat/contracts';
import { isStaffViewer, type Viewer } from '../session.ts';
import { ChatError, describeFailure, isUnreachable, type ChatSystem, type ConnectionState, type Unsubscribe } from '../system.ts';
import { loadDraft, loadOutbox, saveDraft, saveOutbox, type PendingMessage } from './persisted.ts';
import { Store } from './store.ts';
import { sameServerFilter, type QueueDepth, type QueueFilter } from './queue-filter.ts';

export interface Conversation {
  channelId: string;
  /** Ascending `seq`, one entry per message. */
  messages: Message[];
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Internal notes, oldest first (staff only). */
  notes: Note[];
  /** How far each other person has read: user id to `seq`. */
  reads: Record<string, number>;
  error: string | null;
  /**
   * Why it failed to load: `not-found` (gone, or never visible to this person), `unreachable`
   * (worth loading again once the system answers), or `refused` (any other answer).
   */
  failure: 'not-found' | 'unreachable' | 'refused' | null;
}

export interface Typist {
  userId: string;
  name: string;
  until: number;
}

export interface EscalationAlert {
  id: string;
  channelId: string;
  tenantId: string;
  reason: string;
  at: string;
}

export interface Notice {
  id: number;
  tone: 'error' | 'info';
  text: string;
}

export interface DeskState {
  connection: ConnectionState;
  tickets: Record<string, Ticket>;
  /** Whether the queue's first page for its filters has arrived: until then a count of 0 would mislead. */
  ticketsLoaded: boolean;
  ticketsLoading: boolean;
  /** Where the next page starts; null when the server has no more. */
  ticketsCursor: string | null;
  /** The whole queue was wanted, but loading stopped at `MAX_TICKETS_LOADED` with more left. */
  ticketsCapped: boolean;
  ticketsError: string | null;
  channels: Record<string, Channel>;
  channelsLoaded: boolean;
  channelsError: string | null;
  unread: Record<string, number>;
  conversations: Record<string, Conversation>;
  typing: Record<string, Typist[]>;
  details: Record<string, TicketWithHistory>;
  alerts: EscalationAlert[];
  outbox: PendingMessage[];
  /** Users seen, per tenant, then per user id. */
  users: Record<string, Record<string, SeenUser>>;
  /** Names learnt along the way (a channel's participants, typing events), for people the directory does not list. */
  names: Record<string, string>;
  presence: Record<string, boolean>;
  canned: CannedResponse[];
  openChannelId: string | null;
  searchHits: SearchHit[] | null;
  notice: Notice | null;
}

const TYPING_SHOWN_MS = 6_000;
const TYPING_REPEAT_MS = 2_500;
const TYPING_IDLE_MS = 3_000;
const MESSAGE_PAGE = 50;
const TICKET_PAGE = 100;
/** Pages as large as the API gives, when the whole queue is wanted. */
const WHOLE_QUEUE_PAGE = 200;
/** How much of the queue the console loads to sort or narrow it itself: beyond this, filters narrow it better. */
export const MAX_TICKETS_LOADED = 1_000;
/** Channels joined in the background for live badges; each join costs two requests of the rate limit. */
const WATCHED_CHANNELS = 20;
const JOIN_PACE_MS = 150;
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

function emptyConversation(channelId: string): Conversation {
  return { channelId, messages: [], loaded: false, hasOlder: false, loadingOlder: false, notes: [], reads: {}, error: null, failure: null };
}

function failureOf(error: unknown): Conversation['failure'] {
  if (isUnreachable(error)) return 'unreachable';
  return error instanceof ChatError && error.status === 404 ? 'not-found' : 'refused';
}

/** Merges messages into an ascending, duplicate-free list; a later copy of a message wins. */
export function mergeMessages(current: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return current;
  const bySeq = new Map(current.map((message) => [message.seq, message]));
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** `randomUUID` exists only in secure contexts; a console served over plain HTTP still needs ids. */
function newClientMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The console's live model of the support desk: it loads what the signed-in person may see,
 * keeps it current from socket events, and carries out their actions. Components read its
 * `store` and call its methods; none of them talks to the system directly.
 */
export class Desk {
  readonly store: Store<DeskState>;
  readonly viewer: Viewer;
  readonly system: ChatSystem;
  readonly #subscriptions: Unsubscribe[] = [];
  /** Channels joined or waiting to be: joins go one at a time, to stay well inside the rate limit. */
  readonly #joined = new Map<string, 'queued' | 'joined'>();
  #joins: Promise<void> = Promise.resolve();
  #typingSweep: ReturnType<typeof setInterval> | null = null;
  #typingOut: { channelId: string; sentAt: number; idle: ReturnType<typeof setTimeout> | null } | null = null;
  #readTimer: ReturnType<typeof setTimeout> | null = null;
  #retry: { timer: ReturnType<typeof setTimeout> | null; attempt: number } = { timer: null, attempt: 0 };
  #flushing = false;
  /** Cases this platform admin is taking: their escalation event is its own doing. */
  readonly #taking = new Set<string>();
  #noticeId = 0;
  /**
   * The queue as shown: its server-side filters, how much of it is wanted (see `showTickets`),
   * and the current load, which a newer one (`run`) supersedes, with what it has fetched so far.
   */
  #queue: { filter: QueueFilter; depth: QueueDepth; run: number; fetched: number };

  constructor(viewer: Viewer, system: ChatSystem, filter: QueueFilter) {
    this.viewer = viewer;
    this.system = system;
    this.#queue = { filter, depth: 'page', run: 0, fetched: 0 };
    this.store = new Store<DeskState>({
      connection: system.state(),
      tickets: {},
      ticketsLoaded: false,
      ticketsLoading: false,
      ticketsCursor: null,
      ticketsCapped: false,
      ticketsError: null,
      channels: {},
      channelsLoaded: false,
      channelsError: null,
      unread: {},
      conversations: {},
      typing: {},
      details: {},
      alerts: [],
      outbox: loadOutbox(viewer),
      users: {},
      names: {},
      presence: {},
      canned: [],
      openChannelId: null,
      searchHits: null,
      notice: null,
    });
  }

  get isStaff(): boolean {
    return isStaffViewer(this.viewer);
  }

  start(): void {
    const live = this.system;
    this.#subscriptions.push(
      live.onState((connection) => {
        this.store.update((state) => ({ ...state, connection }));
        if (connection === 'online') {
          // Whatever changed before the socket was up (or while it was down) came as events
          // nobody received: the first connection included, since the first load raced it.
          void this.#refreshAfterReconnect();
          this.#flushOutbox();
        }
      }),
      live.on('ticket_changed', ({ ticket }) => this.#ticketChanged(ticket)),
      live.onMessage((channelId, message) => this.#delivered(channelId, message)),
      live.onChannelLost((channelId) => this.#joined.delete(channelId)),
      live.on('message_updated', ({ channelId, message }) => this.#replaceMessage(channelId, message)),
      live.on('message_deleted', ({ channelId, messageId }) => this.#messageDeleted(channelId, messageId)),
      live.on('reaction_changed', ({ channelId, messageId, reactions }) => this.#reactionsChanged(channelId, messageId, reactions)),
      live.on('message_read', ({ channelId, userId, seq }) => this.#messageRead(channelId, userId, seq)),
      live.on('user_typing', (event) => this.#userTyping(event.channelId, event.userId, event.userName, event.isTyping)),
      live.on('note_created', ({ channelId, note }) => this.#noteCreated(channelId, note)),
      live.on('channel_status_changed', ({ channelId, status }) => this.#patchChannel(channelId, { status })),
      live.on('channel_assigned', ({ channelId, assignedTo }) => {
        this.#patchChannel(channelId, { assignedTo });
        this.#refreshOpenChannel(channelId);
      }),
      live.on('channel_escalated', (event) => this.#channelEscalated(event.channelId, event.tenantId, event.reason, event.escalatedTo)),
      live.on('channel_joined', ({ channelId }) => void this.#channelJoined(channelId)),
      live.on('channel_left', ({ channelId }) => this.#channelLeft(channelId)),
      live.on('presence_changed', ({ userId, online }) =>
        this.store.update((state) => ({ ...state, presence: { ...state.presence, [userId]: online } })),
      ),
    );
    const goOnline = () => this.#flushOutbox();
    window.addEventListener('online', goOnline);
    // Messages that came while the tab was in the background are read once the person looks again.
    const lookAgain = () => {
      if (document.visibilityState === 'visible') this.#scheduleRead();
    };
    document.addEventListener('visibilitychange', lookAgain);
    this.#subscriptions.push(
      () => window.removeEventListener('online', goOnline),
      () => document.removeEventListener('visibilitychange', lookAgain),
    );
    void this.reloadTickets();
    void this.loadChannels();
    if (this.isStaff) {
      void this.loadUsers();
      void this.loadCanned();
    }
    this.#flushOutbox();
  }

  stop(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
    this.#joined.clear();
    for (const timer of [this.#readTimer, this.#retry.timer, this.#typingOut?.idle ?? null]) if (timer) clearTimeout(timer);
    if (this.#typingSweep) clearInterval(this.#typingSweep);
  }

  // --- the queue ---------------------------------------------------------------------------

  /**
   * Shows the queue with these filters. `page` depth loads its first page, and more on request;
   * `all` loads page after page, up to `MAX_TICKETS_LOADED`, for what only the whole queue can
   * answer: an order other than the server's, or narrowing the server does not do. Only a change
   * of the server-side filters or of the depth loads anything.
   */
  showTickets(filter: QueueFilter, depth: QueueDepth): void {
    const previous = this.#queue;
    this.#queue = { ...previous, filter, depth };
    if (!sameServerFilter(previous.filter, filter)) {
      void this.reloadTickets(true);
      return;
    }
    // A load under way reads the depth before each page, so it carries on by itself.
    const { ticketsCursor, ticketsLoading } = this.store.get();
    if (depth === 'all' && previous.depth === 'page' && ticketsCursor !== null && !ticketsLoading) void this.#loadTicketPages(previous.run, ticketsCursor);
  }

  /**
   * The queue again from its first page: to catch up (what is shown stays meanwhile), or for new
   * filters (`fresh`: what is loaded no longer answers them, so the list counts as loading).
   */
  async reloadTickets(fresh = false): Promise<void> {
    this.#queue = { ...this.#queue, run: this.#queue.run + 1, fetched: 0 };
    if (fresh) this.store.update((state) => ({ ...state, ticketsLoaded: false, ticketsCapped: false }));
    await this.#loadTicketPages(this.#queue.run, null);
  }

  /** "Load more": the next page, or with the whole queue wanted, the pages left up to the cap. */
  async loadMoreTickets(): Promise<void> {
    const { ticketsCursor, ticketsLoading } = this.store.get();
    if (ticketsCursor === null || ticketsLoading) return;
    await this.#loadTicketPages(this.#queue.run, ticketsCursor);
  }

  async #loadTicketPages(run: number, from: string | null): Promise<void> {
    const current = () => this.#queue.run === run;
    const fetched: Ticket[] = [];
    let cursor = from;
    this.store.update((state) => ({ ...state, ticketsLoading: true, ticketsError: null }));
    try {
      do {
        const { filter, depth } = this.#queue;
        const page = await this.system.rest.listTickets({
          status: filter.status || undefined,
          priority: filter.priority || undefined,
          category: filter.category || undefined,
          assignedTo: filter.assignee && filter.assignee !== 'unassigned' ? filter.assignee : undefined,
          limit: depth === 'all' ? WHOLE_QUEUE_PAGE : TICKET_PAGE,
          cursor: cursor ?? undefined,
        });
        if (!current()) return;
        fetched.push(...page.items);
        this.#queue.fetched += page.items.length;
        cursor = page.nextCursor;
        const capped = cursor !== null && this.#queue.fetched >= MAX_TICKETS_LOADED;
        this.store.update((state) => {
          const tickets = { ...state.tickets };
          for (const ticket of page.items) tickets[ticket.id] = ticket;
          return { ...state, tickets, ticketsLoaded: true, ticketsCursor: page.nextCursor, ticketsCapped: capped };
        });
      } while (cursor !== null && this.#queue.depth === 'all' && this.#queue.fetched < MAX_TICKETS_LOADED);
      this.#watchTicketChannels(fetched);
    } catch (error) {
      if (current()) this.store.update((state) => ({ ...state, ticketsError: describeFailure(error) }));
    } finally {
      if (current()) this.store.update((state) => ({ ...state, ticketsLoading: false }));
    }
  }

  /**
   * The channels the person may see, with their unread counts. After a reconnect only channels
   * not known yet are taken: the joined ones catch up message by message, counting as they go.
   */
  async loadChannels(onlyNew = false): Promise<void> {
    try {
      const page = await this.system.rest.listChannels({ limit: 200 });
      this.store.update((state) => {
        const channels = { ...state.channels };
        const unread = { ...state.unread };
        for (const channel of page.items) {
          if (onlyNew && channels[channel.id]) continue;
          channels[channel.id] = { ...channels[channel.id], ...channel };
          if (channel.id !== state.openChannelId) unread[channel.id] = channel.unreadCount ?? 0;
        }
        return { ...state, channels, unread, channelsLoaded: true, channelsError: null };
      });
      const recent = [...page.items].sort((a, b) => activityOf(b).localeCompare(activityOf(a))).slice(0, WATCHED_CHANNELS);
      for (const channel of recent) this.#join(channel.id, channel.lastMessage?.seq ?? 0);
    } catch (error) {
      this.store.update((state) => ({ ...state, channelsError: describeFailure(error) }));
    }
  }

  async loadUsers(channelId?: string): Promise<void> {
    try {
      const { items: users } = await this.system.rest.listUsers(channelId ? { channelId, limit: 200 } : { limit: 200 });
      const tenantId = channelId ? (this.store.get().channels[channelId]?.tenantId ?? this.viewer.tenantId) : this.viewer.tenantId;
      this.store.update((state) => {
        const known = { ...state.users[tenantId] };
        for (const user of users) known[user.userId] = user;
        return { ...state, users: { ...state.users, [tenantId]: known } };
      });
    } catch {
      // The directory only helps with names and pickers; ids still work without it.
    }
  }

  async loadCanned(): Promise<void> {
    try {
      const { items: canned } = await this.system.rest.listCannedResponses();
      this.store.update((state) => ({ ...state, canned }));
    } catch {
      // Canned responses are a convenience; the composer works without them.
    }
  }

  async addCanned(body: CreateCannedResponseBody): Promise<void> {
    const created = await this.system.rest.createCannedResponse(body);
    this.store.update((state) => ({ ...state, canned: [...state.canned.filter((item) => item.id !== created.id), created] }));
  }

  async removeCanned(id: string): Promise<void> {
    await this.system.rest.deleteCannedResponse(id);
    this.store.update((state) => ({ ...state, canned: state.canned.filter((item) => item.id !== id) }));
  }

  async searchMessages(q: string): Promise<void> {
    if (q.trim() === '') {
      this.store.update((state) => ({ ...state, searchHits: null }));
      return;
    }
    try {
      const { items: hits } = await this.system.rest.search({ q: q.trim() });
      this.store.update((state) => ({ ...state, searchHits: hits }));
    } catch (error) {
      this.#notify('error', `Search failed: ${describeFailure(error)}`);
    }
  }

  clearSearch(): void {
    this.store.update((state) => ({ ...state, searchHits: null }));
  }

  // --- the conversation --------------------------------------------------------------------

  async openChannel(channelId: string | null): Promise<void> {
    const state = this.store.get();
    if (state.openChannelId === channelId && !(channelId && state.conversations[channelId]?.error)) return;
    this.#stopTyping();
    this.store.update((state) => ({
      ...state,
      openChannelId: channelId,
      unread: channelId ? { ...state.unread, [channelId]: 0 } : state.unread,
      conversations: channelId && !state.conversations[channelId] ? { ...state.conversations, [channelId]: emptyConversation(channelId) } : state.conversations,
    }));
    if (channelId !== null) await this.#loadConversation(channelId);
  }

  /** The channel, its latest page of history, its ticket's details and (staff) its notes. */
  async #loadConversation(channelId: string): Promise<void> {
    const { rest } = this.system;
    this.#updateConversation(channelId, (conversation) => ({ ...conversation, error: null, failure: null }));
    const channelLoad = rest.getChannel(channelId).then(
      (channel) => this.#patchChannel(channelId, channel, true),
      () => undefined,
    );
    try {
      const page = await rest.listMessages(channelId, { limit: MESSAGE_PAGE });
      if (this.store.get().openChannelId !== channelId) return;
      this.#updateConversation(channelId, (conversation) => ({
        ...conversation,
        messages: mergeMessages(conversation.messages, page.items),
        loaded: true,
        hasOlder: page.nextCursor !== null,
        error: null,
        failure: null,
      }));
      // Deliveries start right after the page; a channel joined earlier already delivers into the conversation.
      this.#join(channelId, page.items.at(-1)?.seq ?? 0, true);
      this.#scheduleRead();
    } catch (error) {
      this.#updateConversation(channelId, (conversation) => ({ ...conversation, loaded: true, error: describeFailure(error), failure: failureOf(error) }));
      return;
    }
    await channelLoad;
    const type = this.store.get().channels[channelId]?.type;
    // A case opened by a link, or far down the queue, may not be in the pages loaded.
    if (!this.ticketOfChannel(channelId) && type && opensTicket(type)) await this.#loadTicketOf(channelId);
    const ticket = this.ticketOfChannel(channelId);
    if (ticket) void this.loadTicketDetail(ticket.id);
    if (this.isStaff) {
      void this.#loadNotes(channelId);
      if (this.viewer.role === 'SUPER_ADMIN') void this.loadUsers(channelId);
    }
  }

  async loadOlder(channelId: string): Promise<void> {
    const conversation = this.#conversation(channelId);
    if (!conversation || conversation.loadingOlder || !conversation.hasOlder) return;
    const oldest = conversation.messages[0]?.seq;
    if (oldest === undefined) return;
    this.#updateConversation(channelId, (current) => ({ ...current, loadingOlder: true }));
    try {
      const page = await this.system.rest.listMessages(channelId, { before: oldest, limit: MESSAGE_PAGE });
      this.#updateConversation(channelId, (current) => ({
        ...current,
        messages: mergeMessages(current.messages, page.items),
        hasOlder: page.nextCursor !== null,
        loadingOlder: false,
      }));
    } catch (error) {
      this.#updateConversation(channelId, (current) => ({ ...current, loadingOlder: false }));
      this.#notify('error', `Older messages could not be loaded: ${describeFailure(error)}`);
    }
  }

  async #loadNotes(channelId: string): Promise<void> {
    try {
      let afterSeq = 0;
      const notes: Note[] = [];
      for (;;) {
        const page = await this.system.rest.listNotes(channelId, { afterSeq, limit: 200 });
        notes.push(...page.items);
        if (page.nextCursor === null || page.items.length === 0) break;
        afterSeq = page.items.at(-1)!.seq;
      }
      this.#updateConversation(channelId, (conversation) => ({ ...conversation, notes: mergeNotes(conversation.notes, notes) }));
    } catch {
      // A staff member who does not take part (a platform admin before escalation) has no notes to read.
    }
  }

  draftOf(channelId: string): string {
    return loadDraft(this.viewer, channelId);
  }

  keepDraft(channelId: string, text: string): void {
    saveDraft(this.viewer, channelId, text);
  }

  /** Queues the message and sends it; the queue retries with the same `clientMessageId` until it lands. */
  send(channelId: string, content: string): void {
    const pending: PendingMessage = {
      clientMessageId: newClientMessageId(),
      channelId,
      content,
      createdAt: new Date().toISOString(),
      state: 'waiting',
      error: null,
    };
    this.#stopTyping();
    this.#setOutbox((outbox) => [...outbox, pending]);
    this.#flushOutbox();
  }

  retryPending(clientMessageId: string): void {
    this.#setOutbox((outbox) => outbox.map((item) => (item.clientMessageId === clientMessageId ? { ...item, state: 'waiting', error: null } : item)));
    this.#retry.attempt = 0;
    this.#flushOutbox();
  }

  discardPending(clientMessageId: string): void {
    this.#setOutbox((outbox) => outbox.filter((item) => item.clientMessageId !== clientMessageId));
  }

  async addNote(channelId: string, content: string): Promise<void> {
    const note = await this.system.rest.addNote(channelId, { content });
    this.#noteCreated(channelId, note);
  }

  async editMessage(message: Message, content: string): Promise<void> {
    try {
      this.#replaceMessage(message.channelId, await this.system.rest.editMessage(message.id, { content }));
    } catch (error) {
      this.#notify('error', `The message could not be edited: ${describeFailure(error)}`);
    }
  }

  async deleteMessage(message: Message): Promise<void> {
    try {
      await this.system.rest.deleteMessage(message.id);
      this.#messageDeleted(message.channelId, message.id);
    } catch (error) {
      this.#notify('error', `The message could not be deleted: ${describeFailure(error)}`);
    }
  }

  async react(message: Message, emoji: string, add: boolean): Promise<void> {
    try {
      if (add) await this.system.rest.addReaction(message.id, emoji);
      else await this.system.rest.removeReaction(message.id, emoji);
    } catch (error) {
      this.#notify('error', `The reaction could not be changed: ${describeFailure(error)}`);
    }
  }

  /** Called as the person types: tells the room, at most every few seconds, and stops when idle. */
  typing(channelId: string): void {
    const now = Date.now();
    const out = this.#typingOut;
    if (out && out.channelId !== channelId) this.#stopTyping();
    if (!this.#typingOut || now - this.#typingOut.sentAt > TYPING_REPEAT_MS) {
      this.system.typing(channelId, true);
      this.#typingOut = { channelId, sentAt: now, idle: this.#typingOut?.idle ?? null };
    }
    if (this.#typingOut.idle) clearTimeout(this.#typingOut.idle);
    this.#typingOut.idle = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  // --- ticket actions ----------------------------------------------------------------------

  async #loadTicketOf(channelId: string): Promise<void> {
    try {
      const { items } = await this.system.rest.listTickets({ channelId, limit: 1 });
      const [ticket] = items;
      if (ticket) this.#ticketChanged(ticket);
    } catch {
      // The panel stays without its ticket; the queue's next load or event brings it.
    }
  }

  ticketOfChannel(channelId: string): Ticket | undefined {
    return Object.values(this.store.get().tickets).find((ticket) => ticket.channelId === channelId);
  }

  async loadTicketDetail(ticketId: string): Promise<void> {
    try {
      const detail = await this.system.rest.getTicket(ticketId);
      const { history: _history, ...ticket } = detail;
      this.store.update((state) => ({
        ...state,
        details: { ...state.details, [ticketId]: detail },
        tickets: { ...state.tickets, [ticketId]: newer(state.tickets[ticketId], ticket) },
      }));
    } catch {
      // The panel shows the ticket as the queue knows it.
    }
  }

  async escalate(channelId: string, reason: string, escalateTo?: string): Promise<void> {
    if (escalateTo === this.viewer.userId) this.#taking.add(channelId);
    const channel = await this.system.rest.escalateChannel(channelId, escalateTo ? { reason, escalateTo } : { reason });
    this.#patchChannel(channelId, channel);
    this.#ticketFollowsChannel(channelId, 'ESCALATED');
  }

  async assign(channelId: string, assigneeId: string): Promise<void> {
    const channel = await this.system.rest.assignChannel(channelId, { assigneeId });
    this.#patchChannel(channelId, channel);
    this.#ticketFollowsChannel(channelId, 'IN_PROGRESS', { assignedTo: assigneeId });
  }

  async resolve(channelId: string, resolution: string): Promise<void> {
    const channel = await this.system.rest.resolveChannel(channelId, resolution ? { resolution } : {});
    this.#patchChannel(channelId, channel);
    this.#ticketFollowsChannel(channelId, 'RESOLVED', { resolution: resolution || null });
  }

  async archive(channelId: string): Promise<void> {
    const channel = await this.system.rest.archiveChannel(channelId);
    this.#patchChannel(channelId, channel);
    this.#ticketFollowsChannel(channelId, 'CLOSED');
  }

  async updateTicket(ticketId: string, change: { priority?: TicketPriority; category?: TicketCategory }): Promise<void> {
    try {
      const ticket = await this.system.rest.updateTicket(ticketId, change);
      this.#ticketChanged(ticket);
    } catch (error) {
      this.#notify('error', `The ticket could not be changed: ${describeFailure(error)}`);
    }
  }

  /** Opens a support case (a `SUPPORT` channel with its ticket) and sends its first message. */
  async openTicket(request: { subject: string; category: TicketCategory; priority: TicketPriority; message: string }): Promise<Channel> {
    const channel = await this.system.rest.createChannel({
      type: 'SUPPORT',
      subject: request.subject,
      category: request.category,
      priority: request.priority,
    });
    this.#patchChannel(channel.id, channel, true);
    this.#join(channel.id, 0);
    if (request.message.trim() !== '') this.send(channel.id, request.message);
    void this.reloadTickets();
    return channel;
  }

  async createChannel(type: ChannelType, name: string, participantIds: string[]): Promise<Channel> {
    const channel = await this.system.rest.createChannel({ type, name, participantIds });
    this.#patchChannel(channel.id, channel, true);
    this.#join(channel.id, 0);
    return channel;
  }

  dismissAlert(id: string): void {
    this.store.update((state) => ({ ...state, alerts: state.alerts.filter((alert) => alert.id !== id) }));
  }

  dismissNotice(): void {
    this.store.update((state) => ({ ...state, notice: null }));
  }

  nameOf(userId: string, tenantId: string = this.viewer.tenantId): string {
    if (userId === this.viewer.userId) return this.viewer.name ?? userId;
    const state = this.store.get();
    return state.users[tenantId]?.[userId]?.name ?? state.names[userId] ?? userId;
  }

  // --- internals ---------------------------------------------------------------------------

  #notify(tone: Notice['tone'], text: string): void {
    this.#noticeId += 1;
    const notice = { id: this.#noticeId, tone, text };
    this.store.update((state) => ({ ...state, notice }));
  }

  /**
   * Joins a channel so its messages arrive (badges, previews, the open conversation). `afterSeq`
   * is where its deliveries start: the last message already held or counted, 0 for a new channel,
   * absent for "from now on". Background joins queue up at a gentle pace, so that they leave the
   * rate limit to what the person does; an urgent one (the open conversation) goes at once.
   */
  #join(channelId: string, afterSeq?: number, urgent = false): void {
    const state = this.#joined.get(channelId);
    if (state === 'joined' || (state === 'queued' && !urgent)) return;
    const join = () => {
      this.#joined.set(channelId, 'joined');
      return this.system.join(channelId, afterSeq).catch(() => {
        // Not (or no longer) visible, or unreachable: a later open or reload tries again.
        this.#joined.delete(channelId);
      });
    };
    if (urgent) {
      void join();
      return;
    }
    this.#joined.set(channelId, 'queued');
    this.#joins = this.#joins.then(async () => {
      if (this.#joined.get(channelId) !== 'queued') return;
      await join();
      await new Promise((resolve) => setTimeout(resolve, JOIN_PACE_MS));
    });
  }

  /** The most recently active open tickets are joined for live badges. */
  #watchTicketChannels(tickets: Ticket[]): void {
    const active = tickets
      .filter((ticket) => ticket.status !== 'CLOSED' && ticket.status !== 'RESOLVED')
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, WATCHED_CHANNELS);
    for (const ticket of active) this.#join(ticket.channelId, this.store.get().channels[ticket.channelId]?.lastMessage?.seq);
  }

  #conversation(channelId: string): Conversation | undefined {
    return this.store.get().conversations[channelId];
  }

  #updateConversation(channelId: string, change: (conversation: Conversation) => Conversation): void {
    this.store.update((state) => {
      const conversation = state.conversations[channelId];
      if (!conversation) return state;
      return { ...state, conversations: { ...state.conversations, [channelId]: change(conversation) } };
    });
  }

  #patchChannel(channelId: string, change: Partial<Channel>, create = false): void {
    this.store.update((state) => {
      const channel = state.channels[channelId];
      if (!channel && !create) return state;
      return { ...state, channels: { ...state.channels, [channelId]: { ...channel, ...change } as Channel }, names: withNamesOf(change.participants, state.names) };
    });
  }

  /** An assignment or an escalation may bring someone in: the open conversation's people follow. */
  #refreshOpenChannel(channelId: string): void {
    if (this.store.get().openChannelId !== channelId) return;
    this.system.rest.getChannel(channelId).then(
      (channel) => this.#patchChannel(channelId, channel),
      () => undefined,
    );
  }

  /** Someone added the person to a channel (or made one with it): it joins the list, and its room. */
  async #channelJoined(channelId: string): Promise<void> {
    try {
      const channel = await this.system.rest.getChannel(channelId);
      this.#patchChannel(channelId, channel, true);
      this.#join(channelId, 0);
    } catch {
      // Gone again, or out of reach for now: the next reconnect's reload shows what is there.
    }
  }

  /** The person no longer takes part: the channel leaves the list, and an open conversation closes. */
  #channelLeft(channelId: string): void {
    this.#joined.delete(channelId);
    const wasOpen = this.store.get().openChannelId === channelId;
    this.store.update((state) => {
      const { [channelId]: _channel, ...channels } = state.channels;
      const { [channelId]: _unread, ...unread } = state.unread;
      return { ...state, channels, unread, openChannelId: wasOpen ? null : state.openChannelId };
    });
    if (wasOpen) this.#notify('info', 'You no longer take part in that conversation.');
  }

  /**
   * The ticket follows its channel through an event a moment later; showing the known outcome
   * at once keeps the panel truthful in between, and the event then confirms it.
   */
  #ticketFollowsChannel(channelId: string, status: Ticket['status'], change: Partial<Ticket> = {}): void {
    const ticket = this.ticketOfChannel(channelId);
    if (!ticket) return;
    this.store.update((state) => ({ ...state, tickets: { ...state.tickets, [ticket.id]: { ...ticket, ...change, status } } }));
    setTimeout(() => void this.loadTicketDetail(ticket.id), 1_000);
  }

  #ticketChanged(ticket: Ticket): void {
    this.store.update((state) => ({ ...state, tickets: { ...state.tickets, [ticket.id]: newer(state.tickets[ticket.id], ticket) } }));
    const known = this.store.get().channels[ticket.channelId];
    // A new ticket's messages count as unread from the first on; an older one's from now on.
    this.#join(ticket.channelId, known?.lastMessage?.seq ?? (isNew(ticket) ? 0 : undefined));
    if (this.store.get().details[ticket.id]) void this.loadTicketDetail(ticket.id);
  }

  /** A message of a joined channel, handed over once and in order by the chat client. */
  #delivered(channelId: string, message: Message): void {
    const state = this.store.get();
    const open = state.openChannelId === channelId;
    const seen = open && document.visibilityState === 'visible';
    const counted = message.seq <= (state.channels[channelId]?.lastMessage?.seq ?? 0);
    if (!seen && !counted && message.senderId !== this.viewer.userId) {
      this.store.update((current) => ({ ...current, unread: { ...current.unread, [channelId]: (current.unread[channelId] ?? 0) + 1 } }));
    }
    this.#updateConversation(channelId, (conversation) => ({ ...conversation, messages: mergeMessages(conversation.messages, [message]) }));
    this.store.update((current) => {
      const typists = current.typing[channelId];
      if (!typists?.some((typist) => typist.userId === message.senderId)) return current;
      return { ...current, typing: { ...current.typing, [channelId]: typists.filter((typist) => typist.userId !== message.senderId) } };
    });
    this.#touchChannel(channelId, message);
    if (open) this.#scheduleRead();
  }

  #touchChannel(channelId: string, message: Message | undefined): void {
    if (!message) return;
    this.store.update((state) => {
      const channel = state.channels[channelId];
      if (!channel || (channel.lastMessage && channel.lastMessage.seq >= message.seq)) return state;
      return { ...state, channels: { ...state.channels, [channelId]: { ...channel, lastMessage: message } } };
    });
  }

  #replaceMessage(channelId: string, message: Message): void {
    this.#updateConversation(channelId, (conversation) =>
      conversation.messages.some((existing) => existing.id === message.id)
        ? { ...conversation, messages: conversation.messages.map((existing) => (existing.id === message.id ? message : existing)) }
        : conversation,
    );
  }

  #messageDeleted(channelId: string, messageId: string): void {
    const deletedAt = new Date().toISOString();
    this.#updateConversation(channelId, (conversation) => ({
      ...conversation,
      messages: conversation.messages.map((message) =>
        message.id === messageId ? { ...message, content: '', deletedAt: message.deletedAt ?? deletedAt } : message,
      ),
    }));
  }

  #reactionsChanged(channelId: string, messageId: string, reactions: Record<string, number>): void {
    this.#updateConversation(channelId, (conversation) => ({
      ...conversation,
      messages: conversation.messages.map((message) => (message.id === messageId ? { ...message, reactions } : message)),
    }));
  }

  #messageRead(channelId: string, userId: string, seq: number): void {
    if (userId === this.viewer.userId) {
      const open = this.store.get().openChannelId === channelId;
      if (!open) this.store.update((state) => ({ ...state, unread: { ...state.unread, [channelId]: 0 } }));
      return;
    }
    this.#updateConversation(channelId, (conversation) =>
      (conversation.reads[userId] ?? 0) >= seq ? conversation : { ...conversation, reads: { ...conversation.reads, [userId]: seq } },
    );
  }

  #userTyping(channelId: string, userId: string, userName: string, isTyping: boolean): void {
    if (userId === this.viewer.userId) return;
    const name = userName || this.nameOf(userId);
    this.store.update((state) => {
      const others = (state.typing[channelId] ?? []).filter((typist) => typist.userId !== userId);
      const typists = isTyping ? [...others, { userId, name, until: Date.now() + TYPING_SHOWN_MS }] : others;
      return {
        ...state,
        typing: { ...state.typing, [channelId]: typists },
        names: userName && state.names[userId] !== userName ? { ...state.names, [userId]: userName } : state.names,
      };
    });
    if (isTyping && !this.#typingSweep) this.#typingSweep = setInterval(() => this.#sweepTyping(), 1_000);
  }

  /** A typist whose client went away never says it stopped: its indicator times out. */
  #sweepTyping(): void {
    const now = Date.now();
    let anyLeft = false;
    this.store.update((state) => {
      let changed = false;
      const typing: Record<string, Typist[]> = {};
      for (const [channelId, typists] of Object.entries(state.typing)) {
        const current = typists.filter((typist) => typist.until > now);
        if (current.length !== typists.length) changed = true;
        if (current.length > 0) anyLeft = true;
        typing[channelId] = current;
      }
      return changed ? { ...state, typing } : state;
    });
    if (!anyLeft && this.#typingSweep) {
      clearInterval(this.#typingSweep);
      this.#typingSweep = null;
    }
  }

  #stopTyping(): void {
    const out = this.#typingOut;
    if (!out) return;
    if (out.idle) clearTimeout(out.idle);
    this.#typingOut = null;
    this.system.typing(out.channelId, false);
  }

  #noteCreated(channelId: string, note: Note): void {
    this.#updateConversation(channelId, (conversation) => ({ ...conversation, notes: mergeNotes(conversation.notes, [note]) }));
  }

  #channelEscalated(channelId: string, tenantId: string, reason: string, escalatedTo: string | null): void {
    this.#patchChannel(channelId, { status: 'ESCALATED', escalatedTo });
    this.#refreshOpenChannel(channelId);
    if (this.viewer.role !== 'SUPER_ADMIN') return;
    if (escalatedTo === this.viewer.userId && this.#taking.delete(channelId)) {
      // This admin took the case itself: nothing to be alerted about.
      this.store.update((state) => ({ ...state, alerts: state.alerts.filter((alert) => alert.channelId !== channelId) }));
      return;
    }
    const alert: EscalationAlert = { id: `${channelId}:${Date.now()}`, channelId, tenantId, reason, at: new Date().toISOString() };
    this.store.update((state) => ({ ...state, alerts: [alert, ...state.alerts.filter((existing) => existing.channelId !== channelId)].slice(0, 5) }));
    this.#join(channelId);
    void this.reloadTickets();
  }

  /** Marks the open conversation read up to its last message, once things settle. */
  #scheduleRead(): void {
    if (this.#readTimer) clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(() => {
      this.#readTimer = null;
      const state = this.store.get();
      const channelId = state.openChannelId;
      if (!channelId || document.visibilityState !== 'visible') return;
      const last = state.conversations[channelId]?.messages.at(-1);
      if (!last) return;
      this.store.update((current) => ({ ...current, unread: { ...current.unread, [channelId]: 0 } }));
      this.system.markRead(channelId, last.seq).catch(() => undefined);
    }, 400);
  }

  async #refreshAfterReconnect(): Promise<void> {
    const open = this.store.get().openChannelId;
    const conversation = open ? this.store.get().conversations[open] : undefined;
    // A conversation that could not load while the system was out of reach loads now. One still
    // loading finishes by itself, and one not found or refused would only be refused again.
    if (open && conversation?.failure === 'unreachable') void this.#loadConversation(open);
    await Promise.all([this.reloadTickets(), this.loadChannels(true), this.#loadPresence()]);
  }

  /**
   * Who of the tenant is online now. Presence events tell changes only, and none reached a socket
   * before it connected: without this, people already online would show as away until they left.
   */
  async #loadPresence(): Promise<void> {
    try {
      const { items } = await this.system.rest.presence();
      this.store.update((state) => ({ ...state, presence: Object.fromEntries(items.map((item) => [item.userId, item.online])) }));
    } catch {
      // A hint only: the events keep it current from here on.
    }
  }

  #setOutbox(change: (outbox: PendingMessage[]) => PendingMessage[]): void {
    this.store.update((state) => ({ ...state, outbox: change(state.outbox) }));
    saveOutbox(this.viewer, this.store.get().outbox);
  }

  /**
   * Sends what waits, oldest first. An unreachable system leaves it waiting and tries again later
   * (or as soon as the connection is back); a refusal marks only that message as failed.
   */
  #flushOutbox(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    if (this.#retry.timer) {
      clearTimeout(this.#retry.timer);
      this.#retry.timer = null;
    }
    void (async () => {
      try {
        for (;;) {
          const next = this.store.get().outbox.find((item) => item.state === 'waiting');
          if (!next) {
            this.#retry.attempt = 0;
            return;
          }
          this.#setOutbox((outbox) => outbox.map((item) => (item.clientMessageId === next.clientMessageId ? { ...item, state: 'sending' } : item)));
          try {
            const message = await this.system.send(next.channelId, next.content, next.clientMessageId);
            this.#setOutbox((outbox) => outbox.filter((item) => item.clientMessageId !== next.clientMessageId));
            this.#updateConversation(next.channelId, (conversation) => ({ ...conversation, messages: mergeMessages(conversation.messages, [message]) }));
            this.#touchChannel(next.channelId, message);
            this.#retry.attempt = 0;
          } catch (error) {
            if (isUnreachable(error)) {
              this.#setOutbox((outbox) => outbox.map((item) => (item.clientMessageId === next.clientMessageId ? { ...item, state: 'waiting' } : item)));
              const delay = RETRY_DELAYS_MS[Math.min(this.#retry.attempt, RETRY_DELAYS_MS.length - 1)]!;
              this.#retry.attempt += 1;
              this.#retry.timer = setTimeout(() => {
                this.#retry.timer = null;
                this.#flushOutbox();
              }, delay);
              return;
            }
            this.#setOutbox((outbox) =>
              outbox.map((item) => (item.clientMessageId === next.clientMessageId ? { ...item, state: 'failed', error: describeFailure(error) } : item)),
            );
          }
        }
      } finally {
        this.#flushing = false;
      }
    })();
  }
}

function mergeNotes(current: Note[], incoming: Note[]): Note[] {
  const byId = new Map(current.map((note) => [note.id, note]));
  for (const note of incoming) byId.set(note.id, note);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** Events may overtake each other: the copy changed last wins. */
function newer<T extends { updatedAt: string }>(current: T | undefined, incoming: T): T {
  if (!current) return incoming;
  return incoming.updatedAt >= current.updatedAt ? { ...current, ...incoming } : current;
}

function isNew(ticket: Ticket): boolean {
  return Date.now() - new Date(ticket.createdAt).getTime() < 60_000;
}

function activityOf(channel: Channel): string {
  return channel.lastMessage?.createdAt ?? channel.updatedAt;
}

/** `names` with the display names a channel's participants carry, where they carry one. */
function withNamesOf(participants: Channel['participants'], names: Record<string, string>): Record<string, string> {
  const learnt = (participants ?? []).filter((participant) => participant.name !== null && names[participant.userId] !== participant.name);
  if (learnt.length === 0) return names;
  return { ...names, ...Object.fromEntries(learnt.map((participant) => [participant.userId, participant.name!])) };
}
