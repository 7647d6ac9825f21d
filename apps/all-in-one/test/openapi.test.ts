/**
 * The OpenAPI document against the composed system, wired as the one-process run wires it (each
 * service on a fresh database, the in-process bus, the gateway in front): each service serves
 * exactly the routes the document gives it, and real answers through the gateway, for every
 * documented operation, are the ones the document describes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createVerifier } from '@chat/auth';
import { channelsService } from '@chat/channels';
import type { Role } from '@chat/contracts';
import { createInProcessBus, type EventBus } from '@chat/event-bus';
import { messagingService } from '@chat/messaging';
import { buildOpenApiDocument, checkResponse, findOperation, PUBLIC_ROUTES, routeKey, servedRoutes } from '@chat/openapi';
import { startGateway, type RunningGateway } from '@chat/realtime-gateway';
import { startService, type RunningService, type ServiceDefinition } from '@chat/service-runtime';
import { Metrics, silentLogger } from '@chat/telemetry';
import { createTestDatabase, mintToken, requestJson, TEST_JWT_SECRET, uniqueTenant, waitFor, type TestDatabase } from '@chat/test-kit';
import { createTicketsService } from '@chat/tickets';

const document = buildOpenApiDocument();
const ticketsService = createTicketsService({ slaScanIntervalMs: 60_000 });
const definitions: Record<'channels' | 'messaging' | 'tickets', ServiceDefinition> = {
  channels: channelsService,
  messaging: messagingService,
  tickets: ticketsService,
};

interface Caller {
  userId: string;
  token: string;
}

async function caller(tenantId: string, role: Role): Promise<Caller> {
  const userId = `${role.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`;
  return { userId, token: await mintToken({ userId, tenantId, role, name: `${role} ${userId}` }) };
}

describe('the document against the composed system', () => {
  const bus: EventBus = createInProcessBus({ logger: silentLogger() });
  const verifier = createVerifier({ secret: TEST_JWT_SECRET });
  const databases: TestDatabase[] = [];
  const services = new Map<string, RunningService>();
  let gateway: RunningGateway | undefined;

  before(async () => {
    const start = async (name: keyof typeof definitions, peers: { channelsUrl?: string } = {}) => {
      const database = await createTestDatabase(`openapi_${name}`);
      databases.push(database);
      const running = await startService(definitions[name], {
        databaseUrl: database.url,
        bus,
        verifier,
        logger: silentLogger(),
        metrics: new Metrics(name, { processMetrics: false }),
        host: '127.0.0.1',
        peers,
      });
      services.set(name, running);
      return running;
    };
    const channels = await start('channels');
    const [messaging, tickets] = await Promise.all([start('messaging', { channelsUrl: channels.url }), start('tickets', { channelsUrl: channels.url })]);
    gateway = await startGateway({
      bus,
      verifier,
      devAuth: { secret: TEST_JWT_SECRET },
      peers: { channelsUrl: channels.url, messagingUrl: messaging.url, ticketsUrl: tickets.url },
      rateLimits: { user: 0, tenant: 0 },
      logger: silentLogger(),
      metrics: new Metrics('realtime-gateway', { processMetrics: false }),
    });
  });

  after(async () => {
    await gateway?.stop();
    for (const running of [...services.values()].reverse()) await running.stop();
    await bus.close();
    for (const database of databases) await database.drop();
  });

  test('each service serves exactly the public routes the document gives it', () => {
    for (const [name, definition] of Object.entries(definitions)) {
      // The service's routes, mounted again on an app of their own (with metrics of their own).
      const app = express();
      definition.routes(app, { ...services.get(name)!.context, metrics: new Metrics(name, { processMetrics: false }) });
      const served = new Set(servedRoutes(app).filter((route) => route.path.startsWith('/api/chat/')).map((route) => routeKey(route.method, route.path)));
      const documented = new Set(PUBLIC_ROUTES.filter((route) => route.owner === name).map((route) => routeKey(route.method, route.path)));
      assert.ok(served.size > 0, name);
      assert.deepEqual([...served].filter((key) => !documented.has(key)), [], `${name} serves routes the document lacks`);
      assert.deepEqual([...documented].filter((key) => !served.has(key)), [], `the document gives ${name} routes it does not serve`);
    }
  });

  test('real answers through the gateway, for every documented operation, are the documented ones', async () => {
    const url = gateway!.url;
    const seen = new Set<string>();
    const call = async (who: Caller | null, method: string, path: string, options: { body?: unknown; raw?: string; contentType?: string } = {}) => {
      const answer = await requestJson<Record<string, unknown>>(`${url}${path}`, { method, token: who?.token, ...options });
      const observed = { method, path, status: answer.status, body: answer.body as unknown };
      assert.deepEqual(checkResponse(document, observed), [], `${method} ${path}: ${JSON.stringify(answer.body)?.slice(0, 300)}`);
      seen.add(`${routeKey(method, findOperation(document, method, path)!.template)} ${answer.status}`);
      return answer;
    };
    const expect = async (status: number, ...args: Parameters<typeof call>) => {
      const answer = await call(...args);
      assert.equal(answer.status, status, `${args[1]} ${args[2]}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    };

    const tenant = uniqueTenant('openapi');
    const [customer, agent, admin] = await Promise.all([caller(tenant, 'PARTICIPANT'), caller(tenant, 'MANAGEMENT_TEAM'), caller(tenant, 'TENANT_ADMIN')]);

    // The gateway's own.
    await expect(200, null, 'GET', '/api/chat/openapi.json');
    await expect(200, null, 'POST', '/api/chat/dev/token', { body: { userId: 'dev-1', tenantId: tenant, role: 'PARTICIPANT', name: 'Dev' } });
    await expect(200, agent, 'GET', `/api/chat/presence?userIds=${customer.userId},${agent.userId}`);

    // A support case, from its opening to its archive.
    await expect(200, admin, 'GET', '/api/chat/channels'); // the admin is seen from here on
    const channel = await expect(201, customer, 'POST', '/api/chat/channels', { body: { type: 'SUPPORT', subject: 'Refund for order 42', category: 'BILLING', priority: 'MEDIUM' } });
    const channelId = String(channel.id);
    await expect(200, agent, 'GET', `/api/chat/channels/${channelId}`);
    const message = await expect(201, customer, 'POST', `/api/chat/channels/${channelId}/messages`, { body: { content: 'I would like a refund', clientMessageId: 'first' } });
    await expect(201, customer, 'POST', `/api/chat/channels/${channelId}/messages`, { body: { content: 'I would like a refund', clientMessageId: 'first' } });
    const listed = await expect(200, agent, 'GET', '/api/chat/channels?limit=10');
    assert.ok((listed.items as { id: string }[]).some((item) => item.id === channelId));
    await expect(200, agent, 'GET', `/api/chat/channels/${channelId}/messages?afterSeq=0`);
    await expect(200, agent, 'POST', `/api/chat/channels/${channelId}/read`, { body: { seq: 1 } });
    await expect(200, customer, 'PATCH', `/api/chat/messages/${String(message.id)}`, { body: { content: 'I would like a refund, please' } });
    await expect(200, agent, 'POST', `/api/chat/messages/${String(message.id)}/reactions`, { body: { emoji: '👍' } });
    await expect(200, agent, 'DELETE', `/api/chat/messages/${String(message.id)}/reactions/${encodeURIComponent('👍')}`);
    await expect(201, agent, 'POST', `/api/chat/channels/${channelId}/notes`, { body: { content: 'Order 42 was paid twice' } });
    await expect(200, agent, 'GET', `/api/chat/channels/${channelId}/notes`);
    const found = await expect(200, agent, 'GET', '/api/chat/search?q=refund');
    assert.ok((found.items as unknown[]).length > 0, 'the message is found');
    await expect(200, agent, 'GET', '/api/chat/users?role=MANAGEMENT_TEAM');
    await expect(200, agent, 'PUT', `/api/chat/channels/${channelId}/assign`, { body: { assigneeId: agent.userId } });
    await expect(200, agent, 'POST', `/api/chat/channels/${channelId}/participants`, { body: { userId: admin.userId } });
    await expect(200, agent, 'DELETE', `/api/chat/channels/${channelId}/participants/${admin.userId}`);

    const ticketPage = await waitFor(
      async () => {
        const page = await expect(200, agent, 'GET', `/api/chat/tickets?channelId=${channelId}`);
        return (page.items as { id: string; status: string }[]).find((ticket) => ticket.status === 'IN_PROGRESS');
      },
      { what: 'the ticket, in progress' },
    );
    await expect(200, customer, 'GET', `/api/chat/tickets/${ticketPage.id}`);
    await expect(200, agent, 'PATCH', `/api/chat/tickets/${ticketPage.id}`, { body: { priority: 'HIGH' } });

    await expect(200, agent, 'PUT', `/api/chat/channels/${channelId}/escalate`, { body: { reason: 'Needs the payments team' } });
    await expect(200, agent, 'PUT', `/api/chat/channels/${channelId}/resolve`, { body: { resolution: 'Refunded' } });
    await expect(200, customer, 'DELETE', `/api/chat/messages/${String(message.id)}`);
    await expect(200, admin, 'DELETE', `/api/chat/channels/${channelId}`);

    // The support desk.
    await expect(200, agent, 'GET', '/api/chat/sla-policy');
    const minutes = { firstResponseMinutes: 30, resolutionMinutes: 600 };
    await expect(200, admin, 'PUT', '/api/chat/sla-policy', { body: { targets: { URGENT: minutes, HIGH: minutes, MEDIUM: minutes, LOW: minutes } } });
    const canned = await expect(201, agent, 'POST', '/api/chat/canned-responses', { body: { title: 'Refund', text: 'Your refund is on its way.', shortcut: 'refund' } });
    await expect(200, agent, 'GET', '/api/chat/canned-responses');
    await expect(200, agent, 'PATCH', `/api/chat/canned-responses/${String(canned.id)}`, { body: { title: 'Refund sent' } });
    await expect(204, agent, 'DELETE', `/api/chat/canned-responses/${String(canned.id)}`);

    // Refusals, in the error shape, with documented statuses.
    await expect(401, null, 'GET', '/api/chat/channels');
    await expect(404, customer, 'GET', `/api/chat/channels/${crypto.randomUUID()}`);
    await expect(404, customer, 'GET', `/api/chat/channels/${channelId}/notes`);
    await expect(403, customer, 'GET', '/api/chat/sla-policy');
    await expect(403, customer, 'POST', '/api/chat/channels', { body: { type: 'TEAM' } });
    await expect(400, agent, 'POST', '/api/chat/channels', { body: { type: 'SUPPORT', subject: 'x', category: 'NONE' } });
    await expect(400, agent, 'GET', '/api/chat/tickets?limit=0');
    await expect(409, agent, 'PUT', `/api/chat/channels/${channelId}/resolve`, { body: {} });
    // The ticket follows its channel by event: closed a moment after the archive.
    await waitFor(async () => (await expect(200, agent, 'GET', `/api/chat/tickets/${ticketPage.id}`)).status === 'CLOSED', { what: 'the ticket, closed' });
    await expect(409, agent, 'PATCH', `/api/chat/tickets/${ticketPage.id}`, { body: { priority: 'LOW' } });
    await expect(413, agent, 'POST', '/api/chat/channels', { body: { type: 'TEAM', metadata: { padding: 'x'.repeat(70_000) } } });
    await expect(415, agent, 'POST', `/api/chat/channels/${channelId}/notes`, { raw: 'a note', contentType: 'text/plain' });

    const missing = PUBLIC_ROUTES.filter((route) => !seen.has(`${routeKey(route.method, route.path)} ${route.response.status}`)).map(
      (route) => `${route.method.toUpperCase()} ${route.path} ${route.response.status}`,
    );
    assert.deepEqual(missing, [], 'every documented operation was answered as documented at least once');
  });
});
