import { randomUUID } from 'node:crypto';
import { makeEnvelope, type Actor, type EventEnvelope } from '@chat/contracts';

const TENANT = 'tenant-bus-test';
const ACTOR: Actor = { userId: 'user-1', role: 'PARTICIPANT' };

export function messageRead(seq = 0): EventEnvelope {
  return makeEnvelope('message.read', TENANT, ACTOR, { channelId: randomUUID(), userId: ACTOR.userId, seq });
}

export function slaBreached(): EventEnvelope {
  return makeEnvelope('ticket.sla_breached', TENANT, { userId: 'system', role: 'SYSTEM' }, {
    ticketId: randomUUID(),
    channelId: randomUUID(),
    kind: 'FIRST_RESPONSE',
    dueAt: new Date().toISOString(),
  });
}

export function channelArchived(): EventEnvelope {
  const now = new Date().toISOString();
  return makeEnvelope('channel.archived', TENANT, ACTOR, {
    channel: {
      id: randomUUID(),
      tenantId: TENANT,
      type: 'TEAM',
      status: 'ARCHIVED',
      name: 'general',
      createdBy: ACTOR.userId,
      assignedTo: null,
      escalatedTo: null,
      participants: [{ userId: ACTOR.userId, role: null }],
      revision: 3,
      updatedAt: now,
    },
  });
}

/** An envelope whose `data` does not fit its type: consumers must refuse it. */
export function invalidEnvelope(): EventEnvelope {
  return { ...messageRead(), data: { seq: 'not a number' } } as unknown as EventEnvelope;
}

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
