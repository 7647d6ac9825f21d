import { useLayoutEffect, useMemo, useRef } from 'react';
import type { Message, Note } from '@chat/contracts';
import type { PendingMessage } from '../state/persisted.ts';
import { useDesk, useDeskState } from './hooks.ts';
import { MessageItem, NoteItem, PendingItem } from './MessageItem.tsx';

type Entry = { kind: 'message'; at: string; message: Message } | { kind: 'note'; at: string; note: Note };

/** Messages and internal notes in one timeline: notes sit where they were written. */
function timeline(messages: Message[], notes: Note[]): Entry[] {
  const entries: Entry[] = [];
  let next = 0;
  for (const message of messages) {
    while (next < notes.length && notes[next]!.createdAt < message.createdAt) {
      entries.push({ kind: 'note', at: notes[next]!.createdAt, note: notes[next]! });
      next += 1;
    }
    entries.push({ kind: 'message', at: message.createdAt, message });
  }
  // Notes older than the loaded page wait until that page is loaded; later ones follow the last message.
  const oldest = messages[0]?.createdAt;
  for (const note of notes.slice(next)) if (oldest === undefined || note.createdAt >= oldest) entries.push({ kind: 'note', at: note.createdAt, note });
  return entries;
}

/** Who has read up to which message: the names shown under it. */
function readersByMessage(messages: Message[], reads: Record<string, number>, nameOf: (userId: string) => string): Map<number, string[]> {
  const bySeq = new Map<number, string[]>();
  const last = messages.at(-1)?.seq ?? 0;
  for (const [userId, seq] of Object.entries(reads)) {
    const at = Math.min(seq, last);
    if (!messages.some((message) => message.seq === at)) continue;
    bySeq.set(at, [...(bySeq.get(at) ?? []), nameOf(userId)]);
  }
  return bySeq;
}

const NO_PENDING: PendingMessage[] = [];

const NEAR_BOTTOM_PX = 120;
const NEAR_TOP_PX = 80;

/** The conversation's `log`: history pages in as the person scrolls up; new messages stick to the bottom. */
export function MessageLog({ channelId }: { channelId: string }) {
  const desk = useDesk();
  const conversation = useDeskState((state) => state.conversations[channelId]);
  const outbox = useDeskState((state) => state.outbox);
  const tenantId = useDeskState((state) => state.channels[channelId]?.tenantId ?? desk.viewer.tenantId);
  // Names come from the directory: show them as soon as it arrives.
  useDeskState((state) => state.users);
  const pending = useMemo(() => {
    const mine = outbox.filter((item) => item.channelId === channelId);
    return mine.length > 0 ? mine : NO_PENDING;
  }, [outbox, channelId]);
  const messages = conversation?.messages ?? [];
  const notes = conversation?.notes ?? [];
  const entries = useMemo(() => timeline(messages, notes), [messages, notes]);
  const readers = useMemo(
    () => readersByMessage(messages, conversation?.reads ?? {}, (userId) => desk.nameOf(userId, tenantId)),
    [messages, conversation?.reads, desk, tenantId],
  );

  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const previous = useRef<{ firstSeq: number; height: number } | null>(null);

  useLayoutEffect(() => {
    const log = ref.current;
    if (!log) return;
    const firstSeq = messages[0]?.seq ?? 0;
    const before = previous.current;
    if (before && firstSeq < before.firstSeq && before.firstSeq !== 0) {
      // Older history arrived above: keep what the person was reading where it was.
      log.scrollTop += log.scrollHeight - before.height;
    } else if (stick.current) {
      log.scrollTop = log.scrollHeight;
    }
    previous.current = { firstSeq, height: log.scrollHeight };
    if (log.scrollHeight <= log.clientHeight && conversation?.hasOlder) void desk.loadOlder(channelId);
  }, [entries, pending, desk, channelId, conversation?.hasOlder, messages]);

  const onScroll = () => {
    const log = ref.current;
    if (!log) return;
    stick.current = log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
    if (log.scrollTop < NEAR_TOP_PX && conversation?.hasOlder) void desk.loadOlder(channelId);
  };

  let lastDay = '';
  return (
    <div ref={ref} className="log" role="log" aria-label="Messages" tabIndex={0} onScroll={onScroll}>
      {conversation?.hasOlder && (
        <div className="log-older">
          <button type="button" className="button ghost small" onClick={() => void desk.loadOlder(channelId)} disabled={conversation.loadingOlder}>
            {conversation.loadingOlder ? 'Loading earlier messages…' : 'Load earlier messages'}
          </button>
        </div>
      )}
      {conversation && !conversation.loaded && <p className="log-status">Loading the conversation…</p>}
      {conversation?.error && (
        <p className="inline-error" role="alert">
          The conversation could not be loaded: {conversation.error}
        </p>
      )}
      {conversation?.loaded && !conversation.error && entries.length === 0 && pending.length === 0 && (
        <p className="log-status">No messages yet. Say hello.</p>
      )}
      {entries.map((entry) => {
        const day = new Date(entry.at).toDateString();
        const divider = day !== lastDay ? <DayDivider key={`day-${day}`} iso={entry.at} /> : null;
        lastDay = day;
        const item =
          entry.kind === 'message' ? (
            <MessageItem key={entry.message.id} message={entry.message} seenBy={readers.get(entry.message.seq) ?? null} />
          ) : (
            <NoteItem key={`note-${entry.note.id}`} note={entry.note} />
          );
        return divider ? [divider, item] : item;
      })}
      {pending.map((item) => (
        <PendingItem key={item.clientMessageId} pending={item} />
      ))}
    </div>
  );
}

function DayDivider({ iso }: { iso: string }) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return (
    <div className="day-divider" role="separator">
      <span>{today ? 'Today' : date.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' })}</span>
    </div>
  );
}
