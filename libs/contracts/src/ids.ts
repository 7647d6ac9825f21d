import { z } from 'zod';

/**
 * Whether PostgreSQL can keep a string as it was sent: `text` and `jsonb` cannot hold the NUL
 * character (U+0000), and a lone surrogate half would come back as U+FFFD (or, inside `jsonb`,
 * not be taken at all).
 */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

const NOT_STORABLE = 'must be well-formed Unicode without the NUL character (U+0000)';

/** Every string a caller sends: refused with 400 when PostgreSQL could not store it as sent. */
export const Text = z.string().refine(isStorableText, NOT_STORABLE);

/** User and tenant ids are opaque strings taken from the token. */
export const OpaqueId = Text.min(1).max(128);
export const Uuid = z.uuid();
export const IsoTime = z.string();
/**
 * A message's or note's place in its channel, as stored (PostgreSQL `integer`): a larger one is
 * refused as input rather than overflowing in the database.
 */
export const Seq = z.number().int().nonnegative().max(2_147_483_647);
/** `Seq` read from a query string. */
export const SeqParam = z.coerce.number().int().nonnegative().max(2_147_483_647);

/**
 * Whether every key and string of a JSON value is storable text. Walks with a stack of its own,
 * so that a deeply nested body cannot exhaust the call stack.
 */
function holdsOnlyStorableText(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!isStorableText(next)) return false;
    } else if (Array.isArray(next)) {
      // One by one: spreading a long array into push would hit the engine's argument limit.
      for (const item of next) pending.push(item);
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, inner] of Object.entries(next)) {
        if (!isStorableText(key)) return false;
        pending.push(inner);
      }
    }
  }
  return true;
}

/** A caller's free-form JSON, kept as `jsonb`. */
export const Metadata = z.record(z.string(), z.unknown()).refine(holdsOnlyStorableText, `keys and strings ${NOT_STORABLE}`);
