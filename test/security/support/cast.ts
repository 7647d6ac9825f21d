/**
 * The people and things the security tests attack: one tenant with a support case (its ticket, its
 * messages, a staff note, a canned response) and a staff-only team channel, and the would-be
 * intruders: a same-tenant participant who is not in the case, another tenant's people, and
 * platform staff, who may not see an ordinary case until it is escalated.
 */
import assert from 'node:assert/strict';
import type { Channel, Message, Ticket } from '@chat/contracts';
import { uniqueTenant, waitFor } from '@chat/test-kit';
import { actor, api, type Actor } from '../../system/helpers.ts';

export interface Cast {
  tenant: string;
  otherTenant: string;
  customer: Actor;
  outsider: Actor;
  agent: Actor;
  admin: Actor;
  superAdmin: Actor;
  foreignAdmin: Actor;
  foreignAgent: Actor;
  foreignCustomer: Actor;
}

export interface Scene {
  support: Channel;
  team: Channel;
  ticket: Ticket;
  customerMessage: Message;
  agentMessage: Message;
  noteId: string;
  cannedResponseId: string;
  /** A word only the case's messages contain: what a search must never find for an intruder. */
  secretWord: string;
}

export async function makeCast(prefix: string): Promise<Cast> {
  const tenant = uniqueTenant(prefix);
  const otherTenant = uniqueTenant(`${prefix}-other`);
  return {
    tenant,
    otherTenant,
    customer: await actor(tenant, 'PARTICIPANT'),
    outsider: await actor(tenant, 'PARTICIPANT'),
    agent: await actor(tenant, 'MANAGEMENT_TEAM'),
    admin: await actor(tenant, 'TENANT_ADMIN'),
    superAdmin: await actor('platform', 'SUPER_ADMIN'),
    foreignAdmin: await actor(otherTenant, 'TENANT_ADMIN'),
    foreignAgent: await actor(otherTenant, 'MANAGEMENT_TEAM'),
    foreignCustomer: await actor(otherTenant, 'PARTICIPANT'),
  };
}

async function expectStatus<T>(status: number, call: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const answer = await call;
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Builds the scene through the public API, as its people would. */
export async function makeScene(url: string, cast: Cast): Promise<Scene> {
  const { customer, agent, admin } = cast;
  // Every one of them has been seen once, so staff can be picked (assign, team members).
  for (const who of Object.values(cast)) if (typeof who === 'object') await expectStatus(200, api(url, who, 'GET', '/api/chat/channels'), `${who.userId} seen`);

  const secretWord = `zebracorn${crypto.randomUUID().slice(0, 8)}`;
  const support = await expectStatus<Channel>(
    201,
    api(url, customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'Refund for the finals', category: 'BILLING' }),
    'support case',
  );
  const team = await expectStatus<Channel>(201, api(url, admin, 'POST', '/api/chat/channels', { type: 'TEAM', name: 'Admins only', participantIds: [admin.userId] }), 'team channel');
  const customerMessage = await expectStatus<Message>(201, api(url, customer, 'POST', `/api/chat/channels/${support.id}/messages`, { content: `My card number is secret ${secretWord}` }), 'customer message');
  const agentMessage = await expectStatus<Message>(201, api(url, agent, 'POST', `/api/chat/channels/${support.id}/messages`, { content: `Looking into it ${secretWord}` }), 'agent message');
  const note = await expectStatus<{ id: string }>(201, api(url, agent, 'POST', `/api/chat/channels/${support.id}/notes`, { content: 'Customer is on the VIP plan' }), 'note');
  const canned = await expectStatus<{ id: string }>(
    201,
    api(url, admin, 'POST', '/api/chat/canned-responses', { title: 'Refunds', text: 'Refunds take 5 days', shortcut: `refund-${secretWord}` }),
    'canned response',
  );
  const ticket = await waitFor(
    async () => (await api<{ items: Ticket[] }>(url, admin, 'GET', `/api/chat/tickets?channelId=${support.id}`)).body.items[0],
    { what: 'the ticket of the case' },
  );
  return { support, team, ticket, customerMessage, agentMessage, noteId: note.id, cannedResponseId: canned.id, secretWord };
}

/** What an attack could change, read by those allowed to read it: compared before and after. */
export async function snapshot(url: string, cast: Cast, scene: Scene): Promise<unknown> {
  const read = async (who: Actor, path: string) => {
    const answer = await api(url, who, 'GET', path);
    assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const { admin, agent } = cast;
  const withoutVolatile = (channel: unknown) => {
    // Reading does not change a channel, but the list's unread counts are per reader: leave them out.
    const { unreadCount: _unread, ...rest } = channel as Record<string, unknown>;
    return rest;
  };
  return {
    support: withoutVolatile(await read(admin, `/api/chat/channels/${scene.support.id}`)),
    team: withoutVolatile(await read(admin, `/api/chat/channels/${scene.team.id}`)),
    messages: await read(agent, `/api/chat/channels/${scene.support.id}/messages?afterSeq=0&limit=200`),
    notes: await read(agent, `/api/chat/channels/${scene.support.id}/notes`),
    ticket: await read(admin, `/api/chat/tickets/${scene.ticket.id}`),
    sla: await read(admin, '/api/chat/sla-policy'),
    canned: await read(admin, '/api/chat/canned-responses'),
  };
}
