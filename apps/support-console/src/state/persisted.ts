import type { Viewer } from '../session.ts';

/**
 * What the person typed and has not yet seen delivered: drafts per channel and queued sends.
 * Kept in sessionStorage, per user, so a reload or a dropped connection loses nothing while the
 * tab lives, and nothing outlives the tab.
 */
export interface PendingMessage {
  clientMessageId: string;
  channelId: string;
  content: string;
  createdAt: string;
  /** `sending`: on its way; `waiting`: the system is unreachable, it goes when it is back; `failed`: refused. */
  state: 'sending' | 'waiting' | 'failed';
  error: string | null;
}

function keyOf(viewer: Viewer, what: string): string {
  return `support-console.${what}.${viewer.tenantId}.${viewer.userId}`;
}

function read<T>(key: string, fallback: T): T {
  try {
    const text = window.sessionStorage.getItem(key);
    return text === null ? fallback : (JSON.parse(text) as T);
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  try {
    window.sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the state still lives in memory for this page.
  }
}

export function loadOutbox(viewer: Viewer): PendingMessage[] {
  // Whatever was on its way when the page went away is simply waiting now.
  return read<PendingMessage[]>(keyOf(viewer, 'outbox'), []).map((pending) =>
    pending.state === 'sending' ? { ...pending, state: 'waiting' } : pending,
  );
}

export function saveOutbox(viewer: Viewer, outbox: PendingMessage[]): void {
  write(keyOf(viewer, 'outbox'), outbox);
}

export function loadDraft(viewer: Viewer, channelId: string): string {
  return read<Record<string, string>>(keyOf(viewer, 'drafts'), {})[channelId] ?? '';
}

export function saveDraft(viewer: Viewer, channelId: string, text: string): void {
  const key = keyOf(viewer, 'drafts');
  const drafts = read<Record<string, string>>(key, {});
  if (text === '') delete drafts[channelId];
  else drafts[channelId] = text;
  write(key, drafts);
}
