import { z } from 'zod';
import { Role } from './enums.ts';
import { OpaqueId, Text } from './ids.ts';

/** Who is calling, as the verified token says. Nothing else identifies a caller. */
export const Principal = z.object({
  userId: OpaqueId,
  tenantId: OpaqueId,
  role: Role,
  name: Text.max(200).nullable(),
});
export type Principal = z.infer<typeof Principal>;

/** The tenant id platform staff carry by convention; it scopes nothing. */
export const PLATFORM_TENANT = 'platform';
