import { randomUUID } from 'node:crypto';
import { actorOf, canSeeNotes, makeEnvelope, type Note, type Page } from '@chat/contracts';
import { insertNote, readNotes } from '../store/notes.ts';
import { toNote } from '../store/rows.ts';
import type { Caller, ChannelAccess } from './channel-access.ts';
import type { ReadBody } from './messages.ts';
import { channelArchived } from './refusals.ts';

/**
 * Internal notes: staff talk beside the customer. Judged by `canSeeNotes`, so a participant gets
 * the 404 of a channel it cannot see, and `note.created` is the only event they cause (the
 * gateway sends it to staff sockets alone).
 */
export class Notes {
  readonly #access: ChannelAccess;

  constructor(access: ChannelAccess) {
    this.#access = access;
  }

  async add(caller: Caller, channelId: string, readBody: ReadBody<{ content: string }>): Promise<Note> {
    const noteId = randomUUID();
    return this.#access.withChannel(caller, channelId, canSeeNotes, async (tx, channel) => {
      const { content } = readBody();
      if (channel.status === 'ARCHIVED') throw channelArchived();
      const note = toNote(await insertNote(tx, { id: noteId, channelId, authorId: caller.principal.userId, content }));
      await tx.publish(makeEnvelope('note.created', tx.tenantId, actorOf(caller.principal), { note }), channelId);
      return note;
    });
  }

  /** Notes after `afterSeq`, oldest first; `nextCursor` is the `afterSeq` of the next page. */
  async list(caller: Caller, channelId: string, page: { afterSeq?: number | undefined; limit: number }): Promise<Page<Note>> {
    return this.#access.withChannel(caller, channelId, canSeeNotes, async (tx) => {
      const { rows, more } = await readNotes(tx, channelId, page.afterSeq ?? 0, page.limit);
      const last = rows.at(-1);
      return { items: rows.map(toNote), nextCursor: more && last ? String(last.seq) : null };
    });
  }
}
