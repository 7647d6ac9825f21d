import { makeEnvelope, type EventEnvelope, type SenderType } from '@chat/contracts';

/** A `message.created` as messaging would publish it. */
export function messageCreated(
  tenantId: string,
  channelId: string,
  { senderId = 'someone', senderType = 'PARTICIPANT' as SenderType, createdAt = new Date().toISOString(), seq = 1 } = {},
): EventEnvelope<'message.created'> {
  const actor = { userId: senderId, role: senderType };
  return makeEnvelope('message.created', tenantId, actor, {
    message: {
      id: crypto.randomUUID(),
      channelId,
      tenantId,
      seq,
      senderId,
      senderType,
      content: 'hello again',
      metadata: null,
      createdAt,
      editedAt: null,
      deletedAt: null,
    },
  });
}

/** A `ticket.sla_breached` as the tickets service would publish it. */
export function slaBreached(tenantId: string, channelId: string, kind: 'FIRST_RESPONSE' | 'RESOLUTION' = 'FIRST_RESPONSE'): EventEnvelope<'ticket.sla_breached'> {
  return makeEnvelope('ticket.sla_breached', tenantId, { userId: 'system', role: 'SYSTEM' }, {
    ticketId: crypto.randomUUID(),
    channelId,
    kind,
    dueAt: new Date(Date.now() - 60_000).toISOString(),
  });
}
