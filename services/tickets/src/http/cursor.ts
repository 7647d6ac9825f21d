import { badRequest } from '@chat/http-kit';
import { z } from 'zod';
import type { QueuePosition } from '../store/ticket-queue.ts';

/** A real instant in the store's form (microseconds, UTC), so PostgreSQL never refuses one. */
const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
  .refine((text) => {
    const millis = Date.parse(`${text.slice(0, 23)}Z`);
    return Number.isFinite(millis) && new Date(millis).toISOString().slice(0, 19) === text.slice(0, 19);
  });
const Position = z.tuple([z.union([z.literal('infinity'), Instant]), Instant, z.uuid()]);

/** Opaque to callers: the position serialised, then base64url. */
export function encodeCursor(position: QueuePosition): string {
  return Buffer.from(JSON.stringify([position.due, position.created, position.id])).toString('base64url');
}

/** The position a cursor names; 400 for anything this service did not hand out. */
export function decodeCursor(cursor: string): QueuePosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = Position.safeParse(decoded);
  if (!parsed.success) {
    throw badRequest('The cursor is not valid', { code: 'INVALID_CURSOR', details: [{ field: 'cursor', message: 'Not a cursor of this list' }] });
  }
  const [due, created, id] = parsed.data;
  return { due, created, id };
}
