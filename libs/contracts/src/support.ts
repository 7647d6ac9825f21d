import { z } from 'zod';
import { TicketCategory, TicketPriority, TicketStatus } from './enums.ts';
import { Actor } from './events.ts';
import { IsoTime, OpaqueId, Text, Uuid } from './ids.ts';
import { ListTicketsQuery } from './requests.ts';
import { Ticket } from './resources.ts';

/**
 * The support desk beyond the ticket itself (tickets service): the ticket's history, SLA policies
 * and canned responses, as the console reads and writes them.
 */

/** `GET /api/chat/tickets`: the contract's query, plus `channelId` so that a conversation can find its own ticket. */
export const TicketQueueQuery = ListTicketsQuery.extend({ channelId: Uuid.optional() });
export type TicketQueueQuery = z.infer<typeof TicketQueueQuery>;

/** One status change of a ticket; the first entry (`from: null`) is its opening. */
export const TicketHistoryEntry = z.object({
  from: TicketStatus.nullable(),
  to: TicketStatus,
  actor: Actor,
  at: IsoTime,
  reason: z.string().nullable(),
  /** The event that caused the change, e.g. `channel.escalated`. */
  event: z.string().nullable(),
});
export type TicketHistoryEntry = z.infer<typeof TicketHistoryEntry>;

/** `GET /api/chat/tickets/:id`: the ticket and its history, oldest first. */
export const TicketWithHistory = Ticket.extend({ history: z.array(TicketHistoryEntry) });
export type TicketWithHistory = z.infer<typeof TicketWithHistory>;

export const UpdateTicketBody = z
  .strictObject({ priority: TicketPriority.optional(), category: TicketCategory.optional() })
  .refine((body) => body.priority !== undefined || body.category !== undefined, { message: 'give priority, category or both' });
export type UpdateTicketBody = z.infer<typeof UpdateTicketBody>;

/** Minutes may be fractional (0.5 is thirty seconds); a year at most. */
const SlaMinutes = z.number().min(0.01).max(525_600);

export const SlaTarget = z
  .strictObject({ firstResponseMinutes: SlaMinutes, resolutionMinutes: SlaMinutes })
  .refine((target) => target.resolutionMinutes >= target.firstResponseMinutes, {
    message: 'resolutionMinutes must not be below firstResponseMinutes',
    path: ['resolutionMinutes'],
  });
export type SlaTarget = z.infer<typeof SlaTarget>;

/** A target for every priority. */
export const SlaTargets = z.strictObject({ URGENT: SlaTarget, HIGH: SlaTarget, MEDIUM: SlaTarget, LOW: SlaTarget });
export type SlaTargets = z.infer<typeof SlaTargets>;

/** A tenant's SLA policy; `updatedAt` and `updatedBy` are null while it runs on the defaults. */
export const SlaPolicy = z.object({
  tenantId: OpaqueId,
  targets: SlaTargets,
  updatedAt: IsoTime.nullable(),
  updatedBy: OpaqueId.nullable(),
});
export type SlaPolicy = z.infer<typeof SlaPolicy>;

export const PutSlaPolicyBody = z.strictObject({ targets: SlaTargets });
export type PutSlaPolicyBody = z.infer<typeof PutSlaPolicyBody>;

/** A shortcut is typed in the composer (`/refund`): a word, no spaces. */
const Shortcut = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - and no spaces');

export const CannedResponse = z.object({
  id: Uuid,
  tenantId: OpaqueId,
  title: z.string(),
  text: z.string(),
  shortcut: z.string(),
  createdBy: OpaqueId,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type CannedResponse = z.infer<typeof CannedResponse>;

export const CreateCannedResponseBody = z.strictObject({
  title: Text.trim().min(1).max(200),
  text: Text.min(1).max(10_000),
  shortcut: Shortcut,
});
export type CreateCannedResponseBody = z.infer<typeof CreateCannedResponseBody>;

export const UpdateCannedResponseBody = CreateCannedResponseBody.partial().refine(
  (body) => Object.values(body).some((value) => value !== undefined),
  { message: 'give at least one of title, text, shortcut' },
);
export type UpdateCannedResponseBody = z.infer<typeof UpdateCannedResponseBody>;
