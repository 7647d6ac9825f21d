import { z } from 'zod';

/** User and tenant ids are opaque strings taken from the token. */
export const OpaqueId = z.string().min(1).max(128);
export const Uuid = z.uuid();
export const IsoTime = z.string();
/**
 * A message's or note's place in its channel, as stored (PostgreSQL `integer`): a larger one is
 * refused as input rather than overflowing in the database.
 */
export const Seq = z.number().int().nonnegative().max(2_147_483_647);
/** `Seq` read from a query string. */
export const SeqParam = z.coerce.number().int().nonnegative().max(2_147_483_647);
export const Metadata = z.record(z.string(), z.unknown());
