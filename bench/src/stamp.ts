/**
 * What the sender writes into each message's `metadata`, and every receiver reads back: which
 * step it belongs to, its number within the step, and the time it was due to be sent (not the
 * time it was sent: a sender or a system that falls behind cannot hide the queue it built).
 */
export interface Stamp {
  step: string;
  n: number;
  /** `nowMs()` at which the open-loop schedule wanted it sent. */
  due: number;
}

export const STAMP_KEY = 'bench';

export function stampOf(message: unknown): Stamp | undefined {
  const metadata = (message as { metadata?: Record<string, unknown> | null } | undefined)?.metadata;
  const stamp = metadata?.[STAMP_KEY] as Partial<Stamp> | undefined;
  if (!stamp || typeof stamp.step !== 'string' || typeof stamp.n !== 'number' || typeof stamp.due !== 'number') return undefined;
  return stamp as Stamp;
}
