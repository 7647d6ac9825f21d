import assert from 'node:assert/strict';
import type { Channel, Ticket } from '@chat/contracts';
import { uniqueTenant, waitFor } from '@chat/test-kit';
import { actor, api, type Actor } from '../../system/helpers.ts';

/** A support case in progress: the customer who opened it, the staff who work it, its ticket. */
export interface Case {
  url: string;
  tenant: string;
  customer: Actor;
  agent: Actor;
  admin: Actor;
  channel: Channel;
  ticket: Ticket;
}

export async function openCase(url: string, prefix: string): Promise<Case> {
  const tenant = uniqueTenant(prefix);
  const customer = await actor(tenant, 'PARTICIPANT');
  const agent = await actor(tenant, 'MANAGEMENT_TEAM');
  const admin = await actor(tenant, 'TENANT_ADMIN');
  // Staff are assignable once the system has seen them.
  for (const who of [agent, admin]) assert.equal((await api(url, who, 'GET', '/api/chat/channels')).status, 200);
  const created = await api<Channel>(url, customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: `${prefix}: the bracket is broken`, category: 'TECHNICAL', priority: 'HIGH' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const ticket = await waitFor(async () => (await api<{ items: Ticket[] }>(url, admin, 'GET', `/api/chat/tickets?channelId=${created.body.id}`)).body.items[0], {
    what: 'the ticket to open',
  });
  return { url, tenant, customer, agent, admin, channel: created.body, ticket };
}

/** The case's ticket once it has reached `status` (a ticket follows its channel by events). */
export function ticketReaches(url: string, who: Actor, ticketId: string, status: Ticket['status'], timeoutMs = 60_000): Promise<Ticket> {
  return waitFor(
    async () => {
      const answer = await api<Ticket>(url, who, 'GET', `/api/chat/tickets/${ticketId}`);
      return answer.status === 200 && answer.body.status === status ? answer.body : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `the ticket to be ${status}` },
  );
}
