import { Refusal } from '@chat/contracts';

/**
 * The list's keyset position: the last item's activity time (PostgreSQL's full microsecond
 * precision, as UTC text, so it compares exactly) and id. Opaque to clients: base64url JSON.
 */
export interface ListPosition {
  activityAt: string;
  id: string;
}

const ACTIVITY_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ t: position.activityAt, i: position.id })).toString('base64url');
}

export function invalidCursor(): Refusal {
  return new Refusal('invalid', 'INVALID_CURSOR', 'The cursor is not one this list gave out', { details: [{ field: 'cursor', message: 'invalid cursor' }] });
}

/** Refuses (400) anything this list did not give out, before it can reach a query. */
export function decodeCursor(cursor: string): ListPosition {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof decoded !== 'object' || decoded === null) throw invalidCursor();
  const { t, i } = decoded as Record<string, unknown>;
  if (typeof t !== 'string' || typeof i !== 'string' || !ACTIVITY_TIME.test(t) || !UUID.test(i) || !isRealTime(t)) {
    throw invalidCursor();
  }
  return { activityAt: t, id: i };
}

/** A date the calendar has (no February 30th), so PostgreSQL never refuses it in the query. */
function isRealTime(text: string): boolean {
  const time = new Date(text);
  return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 19) === text.slice(0, 19);
}
