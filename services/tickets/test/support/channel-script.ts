import { makeEnvelope, SYSTEM_ACTOR, type Actor, type ChannelSnapshot, type ChannelType, type EventEnvelope, type Message, type SenderType, type TicketCategory, type TicketPriority } from '@chat/contracts';
import type { TestUser } from './harness.ts';

const actorOf = (user: TestUser): Actor => ({ userId: user.userId, role: user.role });

/**
 * Plays the channels service for one channel: each step changes the snapshot (revision + 1) and
 * answers the event channels would publish, so a test can publish, repeat or reorder them.
 */
export class ChannelScript {
  snapshot: ChannelSnapshot;

  constructor(creator: TestUser, type: ChannelType = 'SUPPORT') {
    this.snapshot = {
      id: crypto.randomUUID(),
      tenantId: creator.tenantId,
      type,
      status: 'ACTIVE',
      name: `${type} of ${creator.userId}`,
      createdBy: creator.userId,
      assignedTo: null,
      escalatedTo: null,
      participants: [{ userId: creator.userId, role: creator.role }],
      revision: 1,
      updatedAt: new Date().toISOString(),
    };
  }

  get id(): string {
    return this.snapshot.id;
  }

  #next(change: Partial<ChannelSnapshot>): ChannelSnapshot {
    this.snapshot = { ...this.snapshot, ...change, revision: this.snapshot.revision + 1, updatedAt: new Date().toISOString() };
    return this.snapshot;
  }

  #withParticipant(userId: string): ChannelSnapshot['participants'] {
    const participants = this.snapshot.participants;
    return participants.some((participant) => participant.userId === userId) ? participants : [...participants, { userId, role: null }];
  }

  created(
    creator: TestUser,
    request: { subject: string; category: TicketCategory; priority?: TicketPriority } | null = { subject: 'It does not work', category: 'TECHNICAL', priority: 'MEDIUM' },
    occurredAt?: Date,
  ): EventEnvelope<'channel.created'> {
    const ticket = request === null ? null : { subject: request.subject, category: request.category, priority: request.priority ?? 'MEDIUM' };
    const event = makeEnvelope('channel.created', this.snapshot.tenantId, actorOf(creator), { channel: this.snapshot, ticket, metadata: null });
    return occurredAt ? { ...event, occurredAt: occurredAt.toISOString() } : event;
  }

  assigned(by: TestUser, assignee: TestUser): EventEnvelope<'channel.assigned'> {
    const channel = this.#next({ assignedTo: assignee.userId, participants: this.#withParticipant(assignee.userId) });
    return makeEnvelope('channel.assigned', channel.tenantId, actorOf(by), { channel, assignedTo: assignee.userId });
  }

  escalated(by: TestUser | null, reason: string, escalatedTo: TestUser | null = null): EventEnvelope<'channel.escalated'> {
    const participants = escalatedTo ? this.#withParticipant(escalatedTo.userId) : this.snapshot.participants;
    const channel = this.#next({ status: 'ESCALATED', escalatedTo: escalatedTo?.userId ?? null, participants });
    const actor = by ? actorOf(by) : SYSTEM_ACTOR;
    return makeEnvelope('channel.escalated', channel.tenantId, actor, { channel, escalatedTo: escalatedTo?.userId ?? null, reason, automatic: by === null });
  }

  resolved(by: TestUser, resolution: string | null): EventEnvelope<'channel.resolved'> {
    const channel = this.#next({ status: 'RESOLVED' });
    return makeEnvelope('channel.resolved', channel.tenantId, actorOf(by), { channel, resolution });
  }

  reopened(by: TestUser): EventEnvelope<'channel.reopened'> {
    const channel = this.#next({ status: 'ACTIVE' });
    return makeEnvelope('channel.reopened', channel.tenantId, actorOf(by), { channel });
  }

  archived(by: TestUser): EventEnvelope<'channel.archived'> {
    const channel = this.#next({ status: 'ARCHIVED' });
    return makeEnvelope('channel.archived', channel.tenantId, actorOf(by), { channel });
  }

  participantAdded(by: TestUser, user: TestUser): EventEnvelope<'channel.participant_added'> {
    const channel = this.#next({ participants: this.#withParticipant(user.userId) });
    return makeEnvelope('channel.participant_added', channel.tenantId, actorOf(by), { channel, userId: user.userId });
  }

  /** A message in this channel, as messaging publishes it. */
  message(sender: TestUser, content = 'hello', sentAt = new Date()): EventEnvelope<'message.created'> {
    const senderType: SenderType = sender.role;
    const message: Message = {
      id: crypto.randomUUID(),
      channelId: this.snapshot.id,
      tenantId: this.snapshot.tenantId,
      seq: 1,
      senderId: sender.userId,
      senderType,
      content,
      metadata: null,
      createdAt: sentAt.toISOString(),
      editedAt: null,
      deletedAt: null,
    };
    return makeEnvelope('message.created', this.snapshot.tenantId, actorOf(sender), { message });
  }
}
