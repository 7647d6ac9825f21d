import type { Message, Page } from '@chat/contracts';

export interface FeedSource {
  /** Messages with a `seq` above `afterSeq`, oldest first, at most `limit`. */
  after(afterSeq: number, limit: number): Promise<Page<Message>>;
  /** The newest message, if any: where a feed without a starting point begins. */
  newest(): Promise<Message | undefined>;
}

export interface FeedOptions {
  source: FeedSource;
  /** Gets each message once, in `seq` order, with no hole. */
  deliver(message: Message): void;
  /** A catch-up failed for good (e.g. the channel is no longer visible); the feed has stopped. */
  fail(error: unknown): void;
  /** Whether a failed catch-up is worth trying again (a network error) or final (a 404). */
  retryable(error: unknown): boolean;
  pageSize?: number;
  /** First wait before trying a failed or incomplete catch-up again; doubles up to 5 s. */
  retryDelayMs?: number;
}

const MAX_RETRY_DELAY_MS = 5_000;

/**
 * One channel's messages, gap-free and duplicate-free. Live messages (socket events, the answer to
 * an own send) arrive at most once, in any order, possibly with holes; history (REST `afterSeq`)
 * is complete. The feed hands on the next `seq` whenever it has it, holds later ones, and fetches
 * what lies between whenever a hole shows, the socket reconnected, or the server asked to resync.
 */
export class ChannelFeed {
  /** The last `seq` handed on; `null` until the starting point is known. */
  #lastSeq: number | null;
  readonly #held = new Map<number, Message>();
  readonly #options: FeedOptions;
  readonly #pageSize: number;
  #running: Promise<void> | undefined;
  #again = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelayMs: number;
  #stopped = false;

  /** `afterSeq`: the last `seq` the app already holds; absent, the feed starts after the newest message. */
  constructor(options: FeedOptions, afterSeq?: number) {
    this.#options = options;
    this.#pageSize = options.pageSize ?? 200;
    this.#retryDelayMs = options.retryDelayMs ?? 200;
    this.#lastSeq = afterSeq ?? null;
  }

  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  /** A message from the socket (or a send's answer). */
  offer(message: Message): void {
    if (this.#stopped) return;
    this.#hold(message);
    this.#handOn();
    if (this.#held.size > 0 && this.#lastSeq !== null) void this.catchUp();
  }

  /**
   * Fetches everything after the last `seq` handed on. Concurrent calls share one run; a call
   * during a run makes it go round once more, so nothing published meanwhile is missed.
   */
  catchUp(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    clearTimeout(this.#retryTimer);
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#held.clear();
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#again = false;
        if (this.#lastSeq === null) {
          const newest = await this.#options.source.newest();
          if (this.#stopped) return;
          this.#lastSeq ??= newest?.seq ?? 0;
          this.#handOn();
        }
        for (;;) {
          const page = await this.#options.source.after(this.#lastSeq, this.#pageSize);
          if (this.#stopped) return;
          for (const message of page.items) this.#hold(message);
          this.#handOn();
          const complete = page.items.length < this.#pageSize || page.nextCursor === null;
          // A page with a hole in it (never expected of history) is not read past: looked at again below.
          if (complete || this.#lastSeq < page.items.at(-1)!.seq) break;
        }
      } while (this.#again);
      this.#retryDelayMs = this.#options.retryDelayMs ?? 200;
      // A later message is held but one before it is not in history yet: look again shortly.
      if (this.#held.size > 0) this.#retryLater();
    } catch (error) {
      if (this.#stopped) return;
      if (!this.#options.retryable(error)) {
        this.stop();
        this.#options.fail(error);
        return;
      }
      this.#retryLater();
    }
  }

  #hold(message: Message): void {
    if (this.#lastSeq !== null && message.seq <= this.#lastSeq) return;
    if (!this.#held.has(message.seq)) this.#held.set(message.seq, message);
  }

  #handOn(): void {
    if (this.#lastSeq === null) return;
    for (const seq of this.#held.keys()) if (seq <= this.#lastSeq) this.#held.delete(seq);
    for (let next = this.#held.get(this.#lastSeq + 1); next; next = this.#held.get(this.#lastSeq + 1)) {
      this.#held.delete(next.seq);
      this.#lastSeq = next.seq;
      this.#options.deliver(next);
    }
  }

  #retryLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.catchUp(), this.#retryDelayMs);
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, MAX_RETRY_DELAY_MS);
  }
}
