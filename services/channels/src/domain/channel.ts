import type { Channel, ChannelSnapshot, ChannelStatus, ChannelType, Participant } from '@chat/contracts';

/** A channel as the store holds it, with its participants (their roles as last seen). */
export interface ChannelRecord {
  id: string;
  tenantId: string;
  type: ChannelType;
  status: ChannelStatus;
  name: string | null;
  createdBy: string;
  assignedTo: string | null;
  escalatedTo: string | null;
  metadata: Record<string, unknown> | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
  resolvedAt: string | null;
  participants: Participant[];
}

/** What the public shape and the events' snapshot both say of a channel. */
function sharedFields({ id, tenantId, type, status, name, createdBy, assignedTo, escalatedTo }: ChannelRecord) {
  return { id, tenantId, type, status, name, createdBy, assignedTo, escalatedTo };
}

/** The public `Channel` shape; `lastActivityAt` (the list's order) is an addition. */
export function toChannel(record: ChannelRecord, { withParticipants = true } = {}): Channel & { lastActivityAt: string } {
  return {
    ...sharedFields(record),
    metadata: record.metadata,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastActivityAt: record.lastActivityAt,
    ...(withParticipants ? { participants: record.participants } : {}),
  };
}

/** What every `channel.*` event carries, so that no consumer has to call back. */
export function toSnapshot(record: ChannelRecord): ChannelSnapshot {
  return {
    ...sharedFields(record),
    participants: record.participants.map(({ userId, role }) => ({ userId, role })),
    revision: record.revision,
    updatedAt: record.updatedAt,
  };
}
