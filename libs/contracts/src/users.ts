import { z } from 'zod';
import { Role } from './enums.ts';
import { IsoTime, OpaqueId, Uuid } from './ids.ts';
import { Limit } from './requests.ts';

/** A user the system has seen in a token: `GET /api/chat/users` lists them to staff for pickers. */
export const SeenUser = z.object({
  userId: OpaqueId,
  role: Role,
  name: z.string().nullable(),
  lastSeenAt: IsoTime,
});
export type SeenUser = z.infer<typeof SeenUser>;

/**
 * `GET /api/chat/users`: `role` and `q` (part of the id or name) narrow the list; `channelId`
 * lists the users of that channel's tenant instead of the caller's (platform staff picking an
 * assignee), provided the caller may see the channel.
 */
export const ListUsersQuery = z.object({
  role: Role.optional(),
  q: z.string().trim().min(1).max(100).optional(),
  limit: Limit,
  channelId: Uuid.optional(),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;
