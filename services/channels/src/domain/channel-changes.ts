import { admissionProblem, type Actor, actorOf, canArchiveChannel, canCreateChannel, canManageChannel, canSeeChannel, type ChannelEventType, type ChannelType, type CreateChannelBody, type EventDataOf, type EventEnvelope, isParticipant, isTenantStaff, makeEnvelope, type Message, opensTicket, type Principal, Refusal, type Role, SYSTEM_ACTOR, type TicketCategory, type TicketPriority } from '@chat/contracts';
import type { Database, TenantTx } from '@chat/database';
import {
  deleteParticipant,
  findChannel,
  insertChannel,
  insertParticipants,
  lockChannel,
  saveChange,
  touchActivities,
  touchActivity,
  type ChannelChange,
} from '../store/channel-store.ts';
import { knownRoles } from '../store/seen-users.ts';
import { toSnapshot, type ChannelRecord } from './channel.ts';
import { tenantForChannel } from './channel-reads.ts';
import { channelNotFound, forbidden, invalid } from './refusal.ts';
import { requireStatusFor } from './status.ts';

/** Reads a request's body; called only once visibility and role have been checked (404, 403 before 400). */
export type InputReader<T> = () => T;


/** What the ticket of a `SUPPORT` or `PLATFORM_SUPPORT` channel opens with. */
interface TicketRequest {
  subject: string;
  category: TicketCategory;
  priority: TicketPriority;
}

/** Refuses (403) a type the caller's role may not open. */
export function requireMayCreate(role: Role, type: ChannelType): void {
  if (!canCreateChannel(role, type)) throw forbidden(`A ${role} cannot create a ${type} channel`);
}

/** Ticket fields are required where a ticket opens, and meaningless (refused) elsewhere. */
function ticketRequestOf(input: CreateChannelBody): TicketRequest | null {
  if (!opensTicket(input.type)) {
    const stray = (['subject', 'category', 'priority'] as const).filter((field) => input[field] !== undefined);
    if (stray.length > 0) {
      const message = `A ${input.type} channel opens no ticket: ${stray.join(', ')} not allowed`;
      throw new Refusal('invalid', 'VALIDATION_FAILED', message, { details: stray.map((field) => ({ field, message: 'not allowed for this type' })) });
    }
    return null;
  }
  const { subject, category, priority = 'MEDIUM' } = input;
  if (subject !== undefined && category !== undefined) return { subject, category, priority };
  const missing = (['subject', 'category'] as const).filter((field) => input[field] === undefined);
  const message = `A ${input.type} channel opens a ticket: ${missing.join(', ')} required`;
  throw new Refusal('invalid', 'VALIDATION_FAILED', message, { details: missing.map((field) => ({ field, message: 'required' })) });
}

/** Refuses (400) anyone of `userIds` who may not take part in the channel. */
async function requireAdmissible(tx: TenantTx, channel: Pick<ChannelRecord, 'tenantId' | 'type' | 'status'>, userIds: readonly string[], field: string) {
  const roles = await knownRoles(tx, channel.tenantId, userIds);
  for (const userId of userIds) {
    const problem = admissionProblem(channel, roles.get(userId) ?? null);
    if (problem) throw invalid('USER_NOT_ADMISSIBLE', `${userId} cannot be added: ${problem}`, field);
  }
}

async function publishChange<T extends ChannelEventType>(
  tx: TenantTx,
  channel: ChannelRecord,
  actor: Actor,
  type: T,
  data: Omit<EventDataOf<T>, 'channel'>,
): Promise<void> {
  const payload = { channel: toSnapshot(channel), ...data } as EventDataOf<T>;
  await tx.publish(makeEnvelope(type, channel.tenantId, actor, payload) as EventEnvelope, channel.id);
}

const unchanged = (channel: ChannelRecord): ChannelChange => ({
  status: channel.status,
  assignedTo: channel.assignedTo,
  escalatedTo: channel.escalatedTo,
  resolvedAt: 'keep',
});

/**
 * Every change of a channel: who may make it, the status it may start from, the change and its
 * event, in one transaction that holds the channel's row lock (events of one channel leave in
 * commit order, and revisions count up without gaps). A refusal rolls everything back.
 */
export class ChannelChanges {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(principal: Principal, input: CreateChannelBody): Promise<ChannelRecord> {
    requireMayCreate(principal.role, input.type);
    const ticket = ticketRequestOf(input);
    const others = [...new Set(input.participantIds ?? [])].filter((userId) => userId !== principal.userId);
    if (others.length > 0 && principal.role === 'PARTICIPANT') throw forbidden('A participant cannot add people to a channel');
    return this.#db.inTenant(principal.tenantId, async (tx) => {
      const id = crypto.randomUUID();
      await requireAdmissible(tx, { tenantId: tx.tenantId, type: input.type, status: 'ACTIVE' }, others, 'participantIds');
      await insertChannel(tx, { id, type: input.type, name: input.name ?? null, createdBy: principal.userId, metadata: input.metadata ?? null });
      await insertParticipants(tx, id, [principal.userId, ...others]);
      const channel = await findChannel(tx, id);
      if (!channel) throw new Error(`channel ${id} vanished inside its own transaction`);
      await publishChange(tx, channel, actorOf(principal), 'channel.created', { ticket, metadata: channel.metadata });
      return channel;
    });
  }

  async addParticipant(principal: Principal, channelId: string, read: InputReader<{ userId: string }>): Promise<ChannelRecord> {
    return this.#change(principal, channelId, async (tx, channel) => {
      if (!canManageChannel(principal, channel)) throw forbidden('Only staff may add people to a channel');
      const { userId } = read();
      requireStatusFor('add_participant', channel.status);
      if (isParticipant({ userId }, channel)) return channel;
      await requireAdmissible(tx, channel, [userId], 'userId');
      await insertParticipants(tx, channel.id, [userId]);
      const saved = await saveChange(tx, channel.id, unchanged(channel));
      await publishChange(tx, saved, actorOf(principal), 'channel.participant_added', { userId });
      return saved;
    });
  }

  /** Staff who manage the channel remove anyone; everyone may remove itself. */
  async removeParticipant(principal: Principal, channelId: string, userId: string): Promise<ChannelRecord> {
    return this.#change(principal, channelId, async (tx, channel) => {
      if (userId !== principal.userId && !canManageChannel(principal, channel)) throw forbidden('Only staff may remove other people');
      requireStatusFor('remove_participant', channel.status);
      if (!(await deleteParticipant(tx, channel.id, userId))) return channel;
      const saved = await saveChange(tx, channel.id, unchanged(channel));
      await publishChange(tx, saved, actorOf(principal), 'channel.participant_removed', { userId });
      return saved;
    });
  }

  /** The assignee must be known as staff of the channel's tenant; it becomes a participant. */
  async assign(principal: Principal, channelId: string, read: InputReader<{ assigneeId: string }>): Promise<ChannelRecord> {
    return this.#change(principal, channelId, async (tx, channel) => {
      if (!canManageChannel(principal, channel)) throw forbidden('Only staff may assign a channel');
      const { assigneeId } = read();
      const role = (await knownRoles(tx, channel.tenantId, [assigneeId])).get(assigneeId);
      if (role === undefined) {
        throw invalid('UNKNOWN_USER', `${assigneeId} has not been seen in this tenant, so it cannot be judged staff`, 'assigneeId');
      }
      if (!isTenantStaff(role)) throw invalid('ASSIGNEE_NOT_STAFF', `${assigneeId} is not staff of this tenant (${role})`, 'assigneeId');
      requireStatusFor('assign', channel.status);
      if (channel.assignedTo === assigneeId && isParticipant({ userId: assigneeId }, channel)) return channel;
      await insertParticipants(tx, channel.id, [assigneeId]);
      const saved = await saveChange(tx, channel.id, { ...unchanged(channel), assignedTo: assigneeId });
      await publishChange(tx, saved, actorOf(principal), 'channel.assigned', { assignedTo: assigneeId });
      return saved;
    });
  }

  /**
   * An active channel becomes escalated, `escalateTo` (platform staff) its participant and
   * `escalatedTo`. On an escalated channel, platform staff escalating to themselves take the case.
   */
  async escalate(principal: Principal, channelId: string, read: InputReader<{ reason: string; escalateTo?: string | undefined }>): Promise<ChannelRecord> {
    return this.#change(principal, channelId, async (tx, channel) => {
      if (!canManageChannel(principal, channel)) throw forbidden('Only staff may escalate a channel');
      const { reason, escalateTo } = read();
      if (escalateTo !== undefined) {
        const role = (await knownRoles(tx, channel.tenantId, [escalateTo])).get(escalateTo);
        if (role === undefined) throw invalid('UNKNOWN_USER', `${escalateTo} has not been seen, so it cannot be judged platform staff`, 'escalateTo');
        if (role !== 'SUPER_ADMIN') throw invalid('NOT_PLATFORM_STAFF', `${escalateTo} is not platform staff (${role})`, 'escalateTo');
      }
      const takesCase = channel.status === 'ESCALATED' && principal.role === 'SUPER_ADMIN' && escalateTo === principal.userId;
      if (!takesCase) requireStatusFor('escalate', channel.status);
      if (takesCase && channel.escalatedTo === escalateTo && isParticipant(principal, channel)) return channel;
      if (escalateTo !== undefined) await insertParticipants(tx, channel.id, [escalateTo]);
      const escalatedTo = escalateTo ?? channel.escalatedTo;
      const saved = await saveChange(tx, channel.id, { ...unchanged(channel), status: 'ESCALATED', escalatedTo });
      await publishChange(tx, saved, actorOf(principal), 'channel.escalated', { escalatedTo: saved.escalatedTo, reason, automatic: false });
      return saved;
    });
  }

  async resolve(principal: Principal, channelId: string, read: InputReader<{ resolution?: string | undefined }>): Promise<ChannelRecord> {
    return this.#change(principal, channelId, async (tx, channel) => {
      if (!canManageChannel(principal, channel)) throw forbidden('Only staff may resolve a channel');
      const { resolution } = read();
      requireStatusFor('resolve', channel.status);
      const saved = await saveChange(tx, channel.id, { ...unchanged(channel), status: 'RESOLVED', resolvedAt: 'set' });
      await publishChange(tx, saved, actorOf(principal), 'channel.resolved', { resolution: resolution ?? null });
      return saved;
    });
  }

  /** Archived channels are kept, read-only. */
  async archive(principal: Principal, channelId: string): Promise<ChannelRecord> {
    return this.#change(principal, channelId, async (tx, channel) => {
      if (!canArchiveChannel(principal, channel)) throw forbidden('Only tenant admins and platform staff may archive a channel');
      requireStatusFor('archive', channel.status);
      const saved = await saveChange(tx, channel.id, { ...unchanged(channel), status: 'ARCHIVED' });
      await publishChange(tx, saved, actorOf(principal), 'channel.archived', {});
      return saved;
    });
  }

  /**
   * An SLA breach escalates an active channel (by the system); one already escalated, resolved
   * or archived is left as it is. Runs in the event's transaction (the inbox's).
   */
  async escalateForBreach(tx: TenantTx, channelId: string, reason: string): Promise<void> {
    const channel = await lockChannel(tx, channelId);
    if (!channel || channel.status !== 'ACTIVE') return;
    const saved = await saveChange(tx, channel.id, { ...unchanged(channel), status: 'ESCALATED' });
    await publishChange(tx, saved, SYSTEM_ACTOR, 'channel.escalated', { escalatedTo: saved.escalatedTo, reason, automatic: true });
  }

  /**
   * A message moves the channel's activity; a participant's message in a resolved channel
   * reopens it, unless it was written before the resolution (a late event).
   */
  async noteMessage(tx: TenantTx, message: Message): Promise<void> {
    const state = await touchActivity(tx, message.channelId, message.createdAt);
    if (!state || message.senderType !== 'PARTICIPANT' || state.status !== 'RESOLVED') return;
    if (state.resolvedAt && Date.parse(message.createdAt) <= state.resolvedAt.getTime()) return;
    const channel = await lockChannel(tx, message.channelId);
    if (!channel) return;
    const saved = await saveChange(tx, channel.id, { ...unchanged(channel), status: 'ACTIVE', resolvedAt: 'clear' });
    await publishChange(tx, saved, SYSTEM_ACTOR, 'channel.reopened', {});
  }

  /**
   * `noteMessage` for messages that came together: one activity update for all their channels,
   * then each resolved channel that one of them reopens is reopened, once, as the first such
   * message would have done alone.
   */
  async noteMessages(tx: TenantTx, messages: readonly Message[]): Promise<void> {
    const latest = new Map<string, string>();
    for (const message of messages) {
      const known = latest.get(message.channelId);
      if (known === undefined || Date.parse(message.createdAt) > Date.parse(known)) latest.set(message.channelId, message.createdAt);
    }
    const states = await touchActivities(tx, latest);
    for (const [channelId, state] of states) {
      if (state.status !== 'RESOLVED') continue;
      const reopener = messages.find(
        (message) =>
          message.channelId === channelId &&
          message.senderType === 'PARTICIPANT' &&
          !(state.resolvedAt && Date.parse(message.createdAt) <= state.resolvedAt.getTime()),
      );
      if (!reopener) continue;
      const channel = await lockChannel(tx, channelId);
      if (!channel) continue;
      const saved = await saveChange(tx, channel.id, { ...unchanged(channel), status: 'ACTIVE', resolvedAt: 'clear' });
      await publishChange(tx, saved, SYSTEM_ACTOR, 'channel.reopened', {});
    }
  }

  /** Runs `fn` on the locked channel in its tenant, once `principal` may see it (404 otherwise). */
  async #change<T>(principal: Principal, channelId: string, fn: (tx: TenantTx, channel: ChannelRecord) => Promise<T>): Promise<T> {
    const tenantId = await tenantForChannel(this.#db, principal, channelId);
    return this.#db.inTenant(tenantId, async (tx) => {
      const channel = await lockChannel(tx, channelId);
      if (!channel || !canSeeChannel(principal, channel)) throw channelNotFound();
      return fn(tx, channel);
    });
  }
}
