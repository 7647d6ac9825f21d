import { cursorCodec, CursorInstant } from '@chat/http-kit';
import { z } from 'zod';

/**
 * The list's keyset position: the last item's activity time (PostgreSQL's full microsecond
 * precision, as UTC text, so it compares exactly) and id.
 */
export interface ListPosition {
  activityAt: string;
  id: string;
}

const codec = cursorCodec(z.object({ t: CursorInstant, i: z.uuid() }));

export const encodeCursor = (position: ListPosition): string => codec.encode({ t: position.activityAt, i: position.id });

/** Refuses (400 `INVALID_CURSOR`) anything this list did not give out, before it can reach a query. */
export function decodeCursor(cursor: string): ListPosition {
  const { t, i } = codec.decode(cursor);
  return { activityAt: t, id: i };
}
