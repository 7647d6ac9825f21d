import { actorOf, canSeeChannel, isTenantStaff, makeEnvelope, type Message, type Principal, Refusal } from '@chat/contracts';
import type { Database, TenantTx } from '@chat/database';
import type { ChannelView } from '../store/channel-copies.ts';
import {
  addReaction,
  lockMessage,
  locateMessage,
  reactionsOfUser,
  recountReactions,
  removeReaction,
  tombstone,
  updateContent,
} from '../store/messages.ts';
import { toMessage, type MessageRow } from '../store/rows.ts';
import { isAuthorOf } from './actors.ts';
import type { Caller, ChannelAccess } from './channel-access.ts';
import type { ReadBody } from './messages.ts';
import { channelArchived, messageDeleted, messageNotFound } from './refusals.ts';

/** Distinct emoji one user may leave on one message; more is spam, not sentiment. */
export const MAX_REACTIONS_PER_USER = 20;

/**
 * Changes to a message that exists: edit, delete (a tombstone), reactions. Each locks the
 * message row first, so changes of one message take turns and their events leave in order.
 */
export class MessageChanges {
  readonly #db: Database;
  readonly #access: ChannelAccess;

  constructor(db: Database, access: ChannelAccess) {
    this.#db = db;
    this.#access = access;
  }

  /** The author rewrites the content; `editedAt` records it. */
  async edit(caller: Caller, messageId: string, readBody: ReadBody<{ content: string }>): Promise<Message> {
    return this.#onMessage(caller, messageId, async (tx, channel, current) => {
      if (!isAuthorOf(caller.principal, current)) throw new Refusal('forbidden', 'FORBIDDEN', 'Only the author may edit a message');
      const { content } = readBody();
      refuseIfFrozen(channel, current);
      const message = toMessage(await updateContent(tx, messageId, content));
      await tx.publish(makeEnvelope('message.updated', tx.tenantId, actorOf(caller.principal), { message }), current.channel_id);
      return message;
    });
  }

  /**
   * The author, or tenant staff moderating, delete a message: a tombstone keeps its seq. A second
   * delete answers the tombstone again and publishes nothing.
   */
  async remove(caller: Caller, messageId: string): Promise<Message> {
    return this.#onMessage(caller, messageId, async (tx, channel, current) => {
      if (!mayDelete(caller.principal, current)) throw new Refusal('forbidden', 'FORBIDDEN', 'Only the author or tenant staff may delete this message');
      if (current.deleted_at !== null) return toMessage(current);
      if (channel.status === 'ARCHIVED') throw channelArchived();
      const message = toMessage(await tombstone(tx, messageId));
      await tx.publish(makeEnvelope('message.deleted', tx.tenantId, actorOf(caller.principal), { message }), current.channel_id);
      return message;
    });
  }

  /** Adds the caller's emoji (once: a second time changes nothing and publishes nothing). */
  async react(caller: Caller, messageId: string, readBody: ReadBody<{ emoji: string }>): Promise<Message> {
    return this.#onMessage(caller, messageId, async (tx, channel, current) => {
      const { emoji } = readBody();
      refuseIfFrozen(channel, current);
      if (!(await addReaction(tx, messageId, caller.principal.userId, emoji))) return toMessage(current);
      if ((await reactionsOfUser(tx, messageId, caller.principal.userId)) > MAX_REACTIONS_PER_USER) {
        throw new Refusal('conflict', 'TOO_MANY_REACTIONS', `At most ${MAX_REACTIONS_PER_USER} different reactions per message`);
      }
      return this.#publishReactions(tx, caller.principal, messageId);
    });
  }

  /** Takes the caller's emoji back; one it never left changes nothing. */
  async unreact(caller: Caller, messageId: string, emoji: string): Promise<Message> {
    return this.#onMessage(caller, messageId, async (tx, channel, current) => {
      refuseIfFrozen(channel, current);
      if (!(await removeReaction(tx, messageId, caller.principal.userId, emoji))) return toMessage(current);
      return this.#publishReactions(tx, caller.principal, messageId);
    });
  }

  async #publishReactions(tx: TenantTx, principal: Principal, messageId: string): Promise<Message> {
    const message = toMessage(await recountReactions(tx, messageId));
    const data = { channelId: message.channelId, messageId, reactions: message.reactions ?? {} };
    await tx.publish(makeEnvelope('message.reaction_changed', tx.tenantId, actorOf(principal), data), message.channelId);
    return message;
  }

  /**
   * Finds the message in the caller's reach, judges its channel like any other channel route,
   * and runs `work` with the message locked. An unknown message, one in another tenant and one in
   * a channel the caller may not see all answer the same 404.
   */
  async #onMessage<T>(caller: Caller, messageId: string, work: (tx: TenantTx, channel: ChannelView, message: MessageRow) => Promise<T>): Promise<T> {
    const { principal } = caller;
    const located = await this.#db.inReachOf(principal, (tx) => locateMessage(tx, messageId));
    if (!located) throw messageNotFound();
    try {
      return await this.#access.withChannel(caller, located.channelId, canSeeChannel, async (tx, channel) => {
        const message = await lockMessage(tx, messageId);
        if (!message) throw messageNotFound();
        return work(tx, channel, message);
      });
    } catch (error) {
      if (error instanceof Refusal && error.kind === 'not-found') throw messageNotFound();
      throw error;
    }
  }
}

/** Tenant staff moderate the channels of their tenant; nobody deletes what the system wrote. */
function mayDelete(principal: Principal, message: MessageRow): boolean {
  if (message.sender_type === 'SYSTEM') return false;
  return isAuthorOf(principal, message) || isTenantStaff(principal.role);
}

/** An archived channel is read-only, and a deleted message takes no more changes. */
function refuseIfFrozen(channel: ChannelView, message: MessageRow): void {
  if (channel.status === 'ARCHIVED') throw channelArchived();
  if (message.deleted_at !== null) throw messageDeleted();
}
