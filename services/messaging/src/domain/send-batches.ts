import { actorOf, canSeeChannel, makeEnvelope, type Message, type Principal, type SendMessageBody } from '@chat/contracts';
import { DatabaseUnavailableError, type Database, type TenantTx } from '@chat/database';
import type { Metrics } from '@chat/telemetry';
import { factsFor, loadChannelViews, viewKey } from '../store/channel-copies.ts';
import { insertMessages, type NewMessage } from '../store/messages.ts';
import { toMessage } from '../store/rows.ts';

/** A send that the batch may take: its caller acts in their own tenant and its body is valid. */
export interface BatchableSend {
  principal: Principal;
  channelId: string;
  messageId: string;
  body: SendMessageBody;
}

/**
 * What the batch made of a send: its message, or `undefined` for a send the batch left to the
 * one-by-one path (a channel the copy cannot say yes to, an archived one, a key seen before, a
 * batch that failed as a whole), which answers it as it answers any send.
 */
export type BatchOutcome = Message | undefined;

interface Waiting extends BatchableSend {
  settle(outcome: BatchOutcome): void;
  fail(error: unknown): void;
}

/** Sends of one tenant written together at most; a batch is one statement of this many rows. */
const MAX_BATCH = 100;

/**
 * Sends written together: group commit for the hot path. While `concurrency` transactions of
 * sends are in flight, new sends wait, and the next transaction takes everything that waited for
 * one tenant (tenants in turn). When the service keeps up, a send goes alone and at once, as
 * before; under load, a transaction, its round trips and its commit's flush to disk are shared by
 * tens of sends instead of being paid by each, which is what the database spends most of its time
 * on here.
 *
 * A batch is all or nothing: it rolls back as a whole on any failure, and every send it held then
 * goes the one-by-one way, so nothing a batch does can answer a send differently from a send
 * alone. Only a lost connection, which leaves the commit's fate unknown, fails its sends instead.
 * Within a channel, sends take their `seq` in the order they arrived.
 */
export class SendBatches {
  readonly #db: Database;
  readonly #concurrency: number;
  readonly #waiting = new Map<string, Waiting[]>();
  #inFlight = 0;
  readonly #batchSize: ReturnType<Metrics['histogram']> | undefined;

  constructor(db: Database, options: { concurrency: number; metrics?: Metrics }) {
    this.#db = db;
    this.#concurrency = options.concurrency;
    this.#batchSize = options.metrics?.histogram('messaging_send_batch_size', 'Sends written by one transaction', [], [1, 2, 5, 10, 20, 50, 100]);
  }

  send(send: BatchableSend): Promise<BatchOutcome> {
    return new Promise((settle, fail) => {
      const tenantId = send.principal.tenantId;
      const waiting = { ...send, settle, fail };
      const queue = this.#waiting.get(tenantId);
      if (queue) queue.push(waiting);
      else this.#waiting.set(tenantId, [waiting]);
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency && this.#waiting.size > 0) {
      // The tenant waiting longest goes first; its leftovers queue behind the other tenants.
      const [tenantId, queue] = this.#waiting.entries().next().value as [string, Waiting[]];
      this.#waiting.delete(tenantId);
      const batch = queue.splice(0, MAX_BATCH);
      if (queue.length > 0) this.#waiting.set(tenantId, queue);
      this.#inFlight += 1;
      void this.#write(tenantId, batch).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
      });
    }
  }

  async #write(tenantId: string, batch: Waiting[]): Promise<void> {
    this.#batchSize?.observe(batch.length);
    try {
      const outcomes = await this.#db.inTenant(tenantId, (tx) => writeBatch(tx, batch));
      batch.forEach((send, index) => send.settle(outcomes[index]));
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) {
        // The connection went, perhaps with the COMMIT already applied: written again, a send
        // could exist twice. Each fails as it would alone (503); its client's retry, keyed, is safe.
        for (const send of batch) send.fail(error);
      } else {
        // Rolled back as a whole: each send is tried on its own, where its failure is its own.
        for (const send of batch) send.settle(undefined);
      }
    }
  }
}

/** Rolls the batch back: one send's key met a twin committed meanwhile (see insertMessages). */
class BatchCollided extends Error {}

async function writeBatch(tx: TenantTx, batch: readonly BatchableSend[]): Promise<BatchOutcome[]> {
  const views = await loadChannelViews(tx, batch.map((send) => ({ channelId: send.channelId, userId: send.principal.userId })));
  const keys = new Set<string>();
  const taken = batch.map((send) => {
    const view = views.get(viewKey(send.channelId, send.principal.userId));
    if (!view || view.status === 'ARCHIVED' || !canSeeChannel(send.principal, factsFor(view, send.principal.userId))) return false;
    const key = send.body.clientMessageId;
    if (key === undefined) return true;
    // A key twice in one batch: the second replays the first, after the batch.
    if (keys.has(`${send.principal.userId} ${key}`)) return false;
    keys.add(`${send.principal.userId} ${key}`);
    return true;
  });
  const toWrite = batch.filter((_, index) => taken[index]);
  if (toWrite.length === 0) return batch.map(() => undefined);

  const { rows, collided } = await insertMessages(tx, toWrite.map((send) => newMessage(tx.tenantId, send)));
  if (collided) throw new BatchCollided();
  const byId = new Map(rows.map((row) => [row.id, toMessage(row)]));
  const outcomes = batch.map((send, index) => (taken[index] ? byId.get(send.messageId) : undefined));
  // Events in each channel's seq order, so that they leave the outbox in it.
  for (const [index, message] of outcomes.entries()) {
    if (message) await tx.publish(makeEnvelope('message.created', tx.tenantId, actorOf(batch[index]!.principal), { message }), message.channelId);
  }
  return outcomes;
}

/** The row a send writes (people's sends move their read mark; the system's do not go here). */
export function newMessage(tenantId: string, send: BatchableSend): NewMessage {
  return {
    id: send.messageId,
    tenantId,
    channelId: send.channelId,
    senderId: send.principal.userId,
    senderType: send.principal.role,
    content: send.body.content,
    metadata: send.body.metadata ?? null,
    clientMessageId: send.body.clientMessageId ?? null,
    marksRead: true,
  };
}
