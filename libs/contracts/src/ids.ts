import { z } from 'zod';

/** User and tenant ids are opaque strings taken from the token. */
export const OpaqueId = z.string().min(1).max(128);
export const Uuid = z.uuid();
export const IsoTime = z.string();
export const Metadata = z.record(z.string(), z.unknown());
