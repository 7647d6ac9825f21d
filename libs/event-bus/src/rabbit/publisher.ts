import type { ConfirmChannel, Options } from 'amqplib';

export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  /** `messageId` is required: returns are matched to their publish by it. */
  options: Options.Publish & { messageId: string };
}

/** The broker accepted a message but no queue was bound to take it. */
export class UnroutableMessageError extends Error {
  override readonly name = 'UnroutableMessageError';
}

export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';
}

/**
 * Publishes on a confirm channel with `mandatory` set, so that a message no queue takes is a
 * failure rather than a silent loss. RabbitMQ confirms a returned message too, but always sends
 * the `basic.return` before that confirm, so a return seen by the time the confirm arrives marks
 * that publish as failed.
 */
export class ConfirmPublisher {
  readonly #channel: ConfirmChannel;
  /** Returns not yet matched to a confirm, by message id. */
  readonly #returned = new Map<string, number>();
  #closed = false;

  constructor(channel: ConfirmChannel) {
    this.#channel = channel;
    channel.on('return', (message: { properties: { messageId?: unknown } }) => {
      const id = message.properties.messageId;
      if (typeof id === 'string') this.#returned.set(id, (this.#returned.get(id) ?? 0) + 1);
    });
    channel.once('close', () => {
      this.#closed = true;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Writes every message before awaiting any confirm (confirms stay in flight together), and
   * resolves once all are confirmed as routed. Rejects if any is nacked, returned, lost with the
   * channel, or not confirmed within `timeoutMs`.
   */
  async publishAll(messages: readonly OutgoingMessage[], timeoutMs: number): Promise<void> {
    const confirms: Promise<void>[] = [];
    for (const message of messages) {
      const { confirmed, writable } = this.#publish(message);
      // Observed by Promise.all below; until then, a rejection must not count as unhandled.
      confirmed.catch(() => {});
      confirms.push(confirmed);
      if (!writable) {
        coalesceWrites(this.#channel);
        await this.#drained();
      }
    }
    coalesceWrites(this.#channel);
    await withTimeout(Promise.all(confirms), timeoutMs, () => new PublishTimeoutError(`${messages.length} message(s) not confirmed within ${timeoutMs} ms`));
  }

  #publish(message: OutgoingMessage): { confirmed: Promise<void>; writable: boolean } {
    if (this.#closed) return { confirmed: Promise.reject(new Error('channel closed')), writable: true };
    let writable = true;
    const confirmed = new Promise<void>((resolve, reject) => {
      writable = this.#channel.publish(message.exchange, message.routingKey, message.content, { ...message.options, mandatory: true }, (error) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else if (this.#takeReturn(message.options.messageId)) {
          reject(new UnroutableMessageError(`no queue is bound for ${message.routingKey || '(empty key)'} on ${message.exchange || 'the default exchange'}`));
        } else resolve();
      });
    });
    return { confirmed, writable };
  }

  #takeReturn(messageId: string): boolean {
    const count = this.#returned.get(messageId);
    if (count === undefined) return false;
    if (count <= 1) this.#returned.delete(messageId);
    else this.#returned.set(messageId, count - 1);
    return true;
  }

  /** Waits for the socket buffer to empty, so a large batch does not pile up in memory. */
  #drained(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('channel closed'));
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.#channel.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.#channel.off('drain', onDrain);
        reject(new Error('channel closed'));
      };
      this.#channel.once('drain', onDrain);
      this.#channel.once('close', onClose);
    });
  }
}

/**
 * amqplib writes the frames of what was published in one turn of the event loop one by one, in a
 * callback (setImmediate) it queues once its channel buffer says it is readable (on the next
 * tick): a syscall and a TCP segment for each, and as many wake-ups of the broker. Corked until
 * the turn after that callback, the socket sends them as one; the uncork always runs, so a full
 * socket's 'drain' is never held up for more than a turn of the loop.
 */
function coalesceWrites(channel: ConfirmChannel): void {
  const socket = (channel as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void; writableCorked?: number } } }).connection?.stream;
  if (!socket?.cork || !socket.uncork || (socket.writableCorked ?? 0) > 0) return;
  socket.cork();
  setImmediate(() => setImmediate(() => socket.uncork?.()));
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
