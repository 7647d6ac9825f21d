import { randomUUID } from 'node:crypto';
import { actorOf, canSeeChannel, makeEnvelope, type Message, Refusal, type SendMessageBody } from '@chat/contracts';
import type { Page } from '@chat/contracts';
import type { TenantTx } from '@chat/database';
import { findByClientMessageId, insertMessage, readHistory, type HistoryPage } from '../store/messages.ts';
import { raiseReadMark } from '../store/read-marks.ts';
import { toMessage, type MessageRow } from '../store/rows.ts';
import { newMessage, type SendBatches } from './send-batches.ts';
import type { Caller, ChannelAccess } from './channel-access.ts';
import { channelArchived } from './refusals.ts';

export interface SendOutcome {
  message: Message;
  /** The key was seen before: this is the first message sent with it, nothing new was written. */
  replayed: boolean;
}

/** A twin with the same key committed first; this attempt rolled back its seq and defers to it. */
class LostToTwin extends Error {}

/**
 * The body of a request is read only after the caller is known to see the channel, so the
 * checks answer in the contract's order: 404 before 400.
 */
export type ReadBody<T> = () => T;

export class Messages {
  readonly #access: ChannelAccess;
  readonly #batches: SendBatches | undefined;

  constructor(access: ChannelAccess, batches?: SendBatches) {
    this.#access = access;
    this.#batches = batches;
  }

  /**
   * Sends into a channel: the hot path. A caller acting in their own tenant with a valid body is
   * written with the sends that arrived together (send-batches.ts); anything a batch does not
   * settle, and every other send, goes on its own.
   */
  async send(caller: Caller, channelId: string, readBody: ReadBody<SendMessageBody>): Promise<SendOutcome> {
    const body = this.#batches && caller.principal.role !== 'SUPER_ADMIN' ? validOrUndefined(readBody) : undefined;
    if (body !== undefined) {
      const message = await this.#batches?.send({ principal: caller.principal, channelId, messageId: randomUUID(), body });
      if (message) return { message, replayed: false };
    }
    return this.#sendAlone(caller, channelId, readBody);
  }

  /**
   * One send in its own transaction: one read of the channel copy, one statement that draws the
   * seq, writes the message and moves the sender's read mark, and the outbox row.
   */
  async #sendAlone(caller: Caller, channelId: string, readBody: ReadBody<SendMessageBody>): Promise<SendOutcome> {
    const { principal } = caller;
    const messageId = randomUUID();
    let clientMessageId: string | undefined;
    try {
      return await this.#access.withChannel(caller, channelId, canSeeChannel, async (tx, channel) => {
        const body = readBody();
        clientMessageId = body.clientMessageId;
        if (channel.status === 'ARCHIVED') {
          // A retry of a send that made it before the archive still gets its message.
          const earlier = body.clientMessageId && (await findByClientMessageId(tx, principal.userId, body.clientMessageId));
          if (earlier) return replayOf(earlier, channelId);
          throw channelArchived();
        }
        const outcome = await insertMessage(tx, newMessage(tx.tenantId, { principal, channelId, messageId, body }));
        if (outcome.kind === 'duplicate') {
          if (outcome.seqDrawn) throw new LostToTwin();
          return replayOf(await mustFindEarlier(tx, principal.userId, body.clientMessageId), channelId);
        }
        const message = toMessage(outcome.row);
        await tx.publish(makeEnvelope('message.created', tx.tenantId, actorOf(principal), { message }), channelId);
        return { message, replayed: false };
      });
    } catch (error) {
      if (!(error instanceof LostToTwin)) throw error;
      return this.#access.withChannel(caller, channelId, canSeeChannel, async (tx) =>
        replayOf(await mustFindEarlier(tx, principal.userId, clientMessageId), channelId),
      );
    }
  }

  /** A page of history, oldest first; `nextCursor` is the seq to continue from (see README). */
  async history(caller: Caller, channelId: string, page: HistoryPage): Promise<Page<Message>> {
    return this.#access.withChannel(caller, channelId, canSeeChannel, async (tx) => {
      const { rows, more, forward } = await readHistory(tx, channelId, page);
      const edge = forward ? rows.at(-1) : rows[0];
      return { items: rows.map(toMessage), nextCursor: more && edge ? String(edge.seq) : null };
    });
  }

  /** Moves the caller's read mark up (never down, never past the last message). */
  async markRead(caller: Caller, channelId: string, readBody: ReadBody<{ seq: number }>): Promise<{ channelId: string; userId: string; seq: number }> {
    const { principal } = caller;
    return this.#access.withChannel(caller, channelId, canSeeChannel, async (tx) => {
      const { seq } = readBody();
      const mark = await raiseReadMark(tx, channelId, principal.userId, seq);
      if (mark.moved) {
        const data = { channelId, userId: principal.userId, seq: mark.seq };
        await tx.publish(makeEnvelope('message.read', tx.tenantId, actorOf(principal), data), `read:${channelId}:${principal.userId}`);
      }
      return { channelId, userId: principal.userId, seq: mark.seq };
    });
  }
}

async function mustFindEarlier(tx: TenantTx, senderId: string, clientMessageId: string | undefined): Promise<MessageRow> {
  const earlier = clientMessageId === undefined ? undefined : await findByClientMessageId(tx, senderId, clientMessageId);
  if (!earlier) throw new Error('a message collided on its client id, yet none holds that id');
  return earlier;
}

/** The body, or `undefined` when it is not valid: then the send goes alone, which answers 404 before 400. */
function validOrUndefined<T>(readBody: ReadBody<T>): T | undefined {
  try {
    return readBody();
  } catch {
    return undefined;
  }
}

function replayOf(earlier: MessageRow, channelId: string): SendOutcome {
  if (earlier.channel_id !== channelId) {
    throw new Refusal('conflict', 'CLIENT_MESSAGE_ID_REUSED', 'This clientMessageId was already used for a message in another channel');
  }
  return { message: toMessage(earlier), replayed: true };
}
