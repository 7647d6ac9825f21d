import { cursorCodec, CursorInstant } from '@chat/http-kit';
import { z } from 'zod';
import type { QueuePosition } from '../store/ticket-queue.ts';

/** The position as it travels: next due time (or `infinity` for settled tickets), opening, id. */
const codec = cursorCodec(z.tuple([z.union([z.literal('infinity'), CursorInstant]), CursorInstant, z.uuid()]));

export const encodeCursor = (position: QueuePosition): string => codec.encode([position.due, position.created, position.id]);

/** The position a cursor names; 400 `INVALID_CURSOR` for anything this service did not hand out. */
export function decodeCursor(cursor: string): QueuePosition {
  const [due, created, id] = codec.decode(cursor);
  return { due, created, id };
}
