import { z } from 'zod';
import { Refusal } from '@chat/contracts';

/**
 * A list's position handed to callers as an opaque cursor: its JSON in base64url. Decoding holds
 * it to the list's own schema, so that anything the list did not give out is refused (400
 * `INVALID_CURSOR`) before it can reach a query.
 */
export interface CursorCodec<Position> {
  encode(position: Position): string;
  decode(cursor: string): Position;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function invalidCursor(): Refusal {
  return new Refusal('invalid', 'INVALID_CURSOR', 'The cursor is not one this list gave out', {
    details: [{ field: 'cursor', message: 'Not a cursor this list gave out' }],
  });
}

/** A codec for the positions `schema` describes, as they travel (`encode` takes what `decode` gives). */
export function cursorCodec<S extends z.ZodType>(schema: S): CursorCodec<z.output<S>> {
  return {
    encode: (position) => Buffer.from(JSON.stringify(position)).toString('base64url'),
    decode(cursor) {
      if (!BASE64URL.test(cursor)) throw invalidCursor();
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw invalidCursor();
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw invalidCursor();
      return parsed.data;
    },
  };
}

/**
 * An instant as a position carries it: PostgreSQL's full microsecond precision in UTC, so that the
 * next page starts exactly after the last row, and a date the calendar has (no February 30th), so
 * that PostgreSQL never refuses it in the query.
 */
export const CursorInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
  .refine((text) => {
    const millis = Date.parse(`${text.slice(0, 23)}Z`);
    return Number.isFinite(millis) && new Date(millis).toISOString().slice(0, 19) === text.slice(0, 19);
  });
