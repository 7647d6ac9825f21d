/**
 * Traffic that keeps flowing while something breaks, and the books that account for every message
 * afterwards: what was sent, acknowledged, refused, delivered, lost and doubled.
 *
 * A stream sends numbered messages, each with its own `clientMessageId`, and retries a send that
 * met an outage (503, or no answer at all) with the same id until it is acknowledged, as the chat
 * client does: so a retry can never make a second message, and every message ends acknowledged.
 * Receivers are `ChatClient`s (the gap-free library apps use) joined from `seq` 0, whose raw
 * socket events are counted too.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { ChatClient, ChatError } from '@chat/chat-client';
import type { Message } from '@chat/contracts';
import { waitFor } from '@chat/test-kit';
import { api, type Actor } from '../../system/helpers.ts';

/** The answer to one attempt: an HTTP status (socket refusals mapped to theirs), or no answer. */
export type Outcome = number | 'no answer';
export type Send = (clientMessageId: string, content: string) => Promise<{ outcome: Outcome; message?: Message }>;

/** Sends over REST, as any app may. */
export function restSender(url: string, who: Actor, channelId: string): Send {
  return async (clientMessageId, content) => {
    try {
      const answer = await api<Message>(url, who, 'POST', `/api/chat/channels/${channelId}/messages`, { content, clientMessageId });
      return { outcome: answer.status, message: answer.status === 201 ? answer.body : undefined };
    } catch {
      return { outcome: 'no answer' };
    }
  };
}

const STATUS_BY_CODE: Record<string, number> = { SERVICE_UNAVAILABLE: 503, RATE_LIMITED: 429, NOT_FOUND: 404, FORBIDDEN: 403, CONFLICT: 409, VALIDATION_FAILED: 400, UNAUTHENTICATED: 401, INTERNAL: 500 };

/** Sends over the client's socket (REST when the socket is down), as the chat client does. */
export function clientSender(client: ChatClient, channelId: string): Send {
  return async (clientMessageId, content) => {
    try {
      return { outcome: 201, message: await client.sendMessage(channelId, content, { clientMessageId }) };
    } catch (error) {
      if (!(error instanceof ChatError)) return { outcome: 'no answer' };
      if (error.status !== 0) return { outcome: error.status };
      // A socket refusal carries a code; a network failure or a timeout no answer at all.
      return { outcome: STATUS_BY_CODE[error.code] ?? 'no answer' };
    }
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What an outage may answer a send: a clean 503 or no answer (the connection went). */
const RETRYABLE = new Set<Outcome>([503, 'no answer']);

export class Stream {
  readonly name: string;
  /** By `clientMessageId`, in the order sent. */
  readonly acknowledged = new Map<string, Message>();
  readonly attempts: { outcome: Outcome; at: number }[] = [];
  /** Messages given up on after `maxAttempts` (none, unless an outage outlasts them). */
  readonly abandoned: string[] = [];
  readonly #send: Send;
  readonly #intervalMs: number;
  readonly #maxAttempts: number;
  #running = true;
  #abandoning = false;
  #loop: Promise<void>;
  #sent = 0;

  constructor(name: string, send: Send, { intervalMs = 40, maxAttempts = 400 }: { intervalMs?: number; maxAttempts?: number } = {}) {
    this.name = name;
    this.#send = send;
    this.#intervalMs = intervalMs;
    this.#maxAttempts = maxAttempts;
    this.#loop = this.#run();
  }

  get sent(): number {
    return this.#sent;
  }

  /** Attempts answered otherwise than 201 or a retryable outage: each is a failure of the system. */
  unexpected(): { outcome: Outcome; at: number }[] {
    return this.attempts.filter((attempt) => attempt.outcome !== 201 && !RETRYABLE.has(attempt.outcome));
  }

  /** Attempts made between two instants, e.g. during an outage. */
  attemptsBetween(from: number, to: number): { outcome: Outcome; at: number }[] {
    return this.attempts.filter((attempt) => attempt.at >= from && attempt.at <= to);
  }

  /** Waits until `count` more messages are acknowledged. */
  async flows(count = 5, timeoutMs = 30_000): Promise<void> {
    const target = this.acknowledged.size + count;
    await waitFor(async () => this.acknowledged.size >= target, { timeoutMs, what: `${count} acknowledged sends of ${this.name}` });
  }

  /** Stops after the message in hand is acknowledged (or given up). */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** Stops at once, leaving the message in hand as it is: for a test that has already failed. */
  abandon(): Promise<void> {
    this.#running = false;
    this.#abandoning = true;
    return this.#loop;
  }

  async #run(): Promise<void> {
    for (let index = 0; this.#running; index++) {
      const clientMessageId = `${this.name}-${index}`;
      this.#sent++;
      for (let attempt = 1; ; attempt++) {
        const { outcome, message } = await this.#send(clientMessageId, `${this.name} #${index}`);
        this.attempts.push({ outcome, at: Date.now() });
        if (outcome === 201 && message) {
          this.acknowledged.set(clientMessageId, message);
          break;
        }
        if (!RETRYABLE.has(outcome) || this.#abandoning) break;
        if (attempt >= this.#maxAttempts) {
          this.abandoned.push(clientMessageId);
          break;
        }
        await sleep(150);
      }
      await sleep(this.#intervalMs);
    }
  }
}

export class Receiver {
  readonly who: Actor;
  readonly client: ChatClient;
  /** What the client handed the app, in order. */
  readonly delivered: Message[] = [];
  /** `new_message` events as the socket got them, by message id (repeats included). */
  readonly socketDeliveries = new Map<string, number>();
  disconnects = 0;

  private constructor(url: string, who: Actor) {
    this.who = who;
    this.client = new ChatClient({ url, token: who.token, socketOptions: { transports: ['websocket'] } });
    this.client.onMessage((_channelId, message) => this.delivered.push(message));
    this.client.onError(() => undefined);
    this.client.on('new_message', ({ message }) => this.socketDeliveries.set(message.id, (this.socketDeliveries.get(message.id) ?? 0) + 1));
    this.client.socket.on('disconnect', () => this.disconnects++);
  }

  static async join(url: string, who: Actor, channelId: string): Promise<Receiver> {
    const receiver = new Receiver(url, who);
    await receiver.client.joinChannel(channelId, { afterSeq: 0 });
    return receiver;
  }

  close(): void {
    this.client.close();
  }
}

/** Every message of the channel, oldest first, through the public API. */
export async function readHistory(url: string, reader: Actor, channelId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const page = await api<{ items: Message[] }>(url, reader, 'GET', `/api/chat/channels/${channelId}/messages?afterSeq=${all.at(-1)?.seq ?? 0}&limit=200`);
    if (page.status !== 200) throw new Error(`history answered ${page.status}`);
    all.push(...page.body.items);
    if (page.body.items.length < 200) return all;
  }
}

export interface Figures {
  scenario: string;
  /** Messages the streams sent (each once, whatever its retries). */
  sent: number;
  acknowledged: number;
  /** Attempts answered 503, each retried with the same `clientMessageId`. */
  refusedAttempts: number;
  /** Attempts that got no answer at all (the connection went with the process), retried alike. */
  unansweredAttempts: number;
  /** Acknowledged messages that every receiver's client delivered. */
  delivered: number;
  /** Acknowledged but missing from the history or from a receiver. */
  lost: number;
  /** Stored or delivered more than once, or a `seq` repeated. */
  doubled: number;
  /** `seq` numbers missing from the history. */
  skipped: number;
  /** Acknowledged messages some receiver's socket never got (its client fetched them by `afterSeq`). */
  socketMisses: number;
  /** `new_message` events a socket got more than once (its client dropped the repeats). */
  socketRepeats: number;
  [more: string]: string | number;
}

/**
 * Settles the books once the traffic has stopped: a closing message makes every client catch up
 * (a hole before it is fetched over REST), then the history and every client's feed are compared
 * with what the streams were told.
 */
async function account(
  scenario: string,
  { url, reader, channelId, streams, receivers }: { url: string; reader: Actor; channelId: string; streams: Stream[]; receivers: Receiver[] },
): Promise<Figures> {
  const closing = await api<Message>(url, reader, 'POST', `/api/chat/channels/${channelId}/messages`, { content: `closing ${scenario}`, clientMessageId: `closing-${crypto.randomUUID()}` });
  if (closing.status !== 201) throw new Error(`the closing message answered ${closing.status}`);
  await Promise.all(
    receivers.map((receiver) =>
      waitFor(async () => receiver.delivered.some((message) => message.id === closing.body.id), { timeoutMs: 30_000, what: `${receiver.who.userId} to catch up` }).catch(() => undefined),
    ),
  );
  const history = await readHistory(url, reader, channelId);

  const acknowledged = streams.flatMap((stream) => [...stream.acknowledged.values()]);
  const inHistory = new Map<string, number>();
  for (const message of history) inHistory.set(message.id, (inHistory.get(message.id) ?? 0) + 1);
  const seqs = history.map((message) => message.seq);
  const repeatedSeqs = seqs.length - new Set(seqs).size;
  const skipped = (seqs.at(-1) ?? 0) - new Set(seqs).size;
  // Each content is sent under one clientMessageId: two messages with it are a doubled send.
  const contents = history.map((message) => message.content);
  const doubledContents = contents.length - new Set(contents).size;

  let lost = 0;
  let delivered = 0;
  let doubledDeliveries = 0;
  let socketMisses = 0;
  let socketRepeats = 0;
  for (const receiver of receivers) {
    const ids = receiver.delivered.map((message) => message.id);
    doubledDeliveries += ids.length - new Set(ids).size;
  }
  for (const message of acknowledged) {
    const stored = inHistory.get(message.id) === 1 && history.find((entry) => entry.id === message.id)?.seq === message.seq;
    const everywhere = receivers.every((receiver) => receiver.delivered.some((entry) => entry.id === message.id));
    if (!stored || !everywhere) lost++;
    if (everywhere) delivered++;
    for (const receiver of receivers) {
      const count = receiver.socketDeliveries.get(message.id) ?? 0;
      if (count === 0) socketMisses++;
      socketRepeats += Math.max(0, count - 1);
    }
  }
  return {
    scenario,
    sent: streams.reduce((sum, stream) => sum + stream.sent, 0),
    acknowledged: acknowledged.length,
    refusedAttempts: streams.reduce((sum, stream) => sum + stream.attempts.filter((attempt) => attempt.outcome === 503).length, 0),
    unansweredAttempts: streams.reduce((sum, stream) => sum + stream.attempts.filter((attempt) => attempt.outcome === 'no answer').length, 0),
    delivered,
    lost,
    doubled: repeatedSeqs + doubledContents + doubledDeliveries,
    skipped,
    socketMisses,
    socketRepeats,
  };
}

/** Every receiver's client handed on exactly the history, in order: gap-free and duplicate-free. */
async function feedsMatchHistory(url: string, reader: Actor, channelId: string, receivers: Receiver[]): Promise<void> {
  const history = (await readHistory(url, reader, channelId)).map((message) => message.id);
  for (const receiver of receivers) {
    await waitFor(async () => receiver.delivered.length >= history.length, { timeoutMs: 30_000, what: `${receiver.who.userId}'s feed` });
    const feed = receiver.delivered.map((message) => message.id);
    if (JSON.stringify(feed.slice(0, history.length)) !== JSON.stringify(history)) {
      throw new Error(`${receiver.who.userId}'s feed differs from the history: ${feed.length} delivered, ${history.length} stored`);
    }
  }
}

/** Shows the figures in the test output and, when `RELIABILITY_FIGURES` names a file, appends them to it. */
/**
 * The end of every scenario: the books settled (`account`), every client's feed held to the
 * history, the figures reported with what the scenario measured besides, and the promise checked:
 * nothing lost, doubled or skipped, every message acknowledged.
 */
export async function closeBooks(
  t: TestContext,
  scenario: string,
  books: { url: string; reader: Actor; channelId: string; streams: Stream[]; receivers: Receiver[] },
  measured: Record<string, number> = {},
): Promise<Figures> {
  const figures = await account(scenario, books);
  await feedsMatchHistory(books.url, books.reader, books.channelId, books.receivers);
  report(t, { ...figures, ...measured });
  assert.equal(figures.lost, 0);
  assert.equal(figures.doubled, 0);
  assert.equal(figures.skipped, 0);
  assert.equal(figures.acknowledged, figures.sent);
  return figures;
}

function report(t: TestContext, figures: Figures): void {
  t.diagnostic(`figures ${JSON.stringify(figures)}`);
  if (process.env.RELIABILITY_FIGURES) appendFileSync(process.env.RELIABILITY_FIGURES, `${JSON.stringify({ ...figures, at: new Date().toISOString() })}\n`);
}

/**
 * What a fault test keeps running (streams, receivers, readiness watchers), closed in its `after`
 * whatever happened, so that a failed test still lets its process exit.
 */
export class Traffic {
  readonly streams: Stream[] = [];
  readonly receivers: Receiver[] = [];
  readonly #others: { stop(): unknown }[] = [];

  stream(name: string, send: Send, options?: ConstructorParameters<typeof Stream>[2]): Stream {
    const stream = new Stream(name, send, options);
    this.streams.push(stream);
    return stream;
  }

  async receiver(url: string, who: Actor, channelId: string): Promise<Receiver> {
    const receiver = await Receiver.join(url, who, channelId);
    this.receivers.push(receiver);
    return receiver;
  }

  /** A case's usual traffic: the customer writes over REST, the agent over its socket, both receive. */
  async customerAndAgent(url: string, { customer, agent }: { customer: Actor; agent: Actor }, channelId: string): Promise<void> {
    const agentClient = await this.receiver(url, agent, channelId);
    await this.receiver(url, customer, channelId);
    this.stream('customer-rest', restSender(url, customer, channelId));
    this.stream('agent-socket', clientSender(agentClient.client, channelId), { intervalMs: 60 });
  }

  /** Anything else with a `stop()` to call at the end (e.g. `watchReadiness`). */
  keep<T extends { stop(): unknown }>(running: T): T {
    this.#others.push(running);
    return running;
  }

  /** Waits until every stream has `count` more acknowledged sends. */
  flows(count = 5, timeoutMs?: number): Promise<void> {
    return Promise.all(this.streams.map((stream) => stream.flows(count, timeoutMs))).then(() => undefined);
  }

  /** Stops the streams after their messages in hand; then they are done. */
  async stop(): Promise<void> {
    await Promise.all(this.streams.map((stream) => stream.stop()));
  }

  async close(): Promise<void> {
    await Promise.all(this.streams.map((stream) => stream.abandon()));
    for (const receiver of this.receivers) receiver.close();
    for (const other of this.#others) other.stop();
  }
}
