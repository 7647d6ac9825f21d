import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CannedResponse, EventEnvelope, SlaPolicy, Ticket, TicketCategory, TicketPriority, TicketWithHistory } from '@chat/contracts';
import type { EventBus } from '@chat/event-bus';
import type { RunningService } from '@chat/service-runtime';
import { ChannelScript } from './support/channel-script.ts';
import { call, clientOf, EventRecorder, eventually, startTicketsAlone, superAdmin, tenantCast, type TicketsAlone, type TestUser } from './support/harness.ts';

/** The HTTP routes: who sees and changes what, the queue's order and paging, bad input. */
let tickets: TicketsAlone;
let bus: EventBus;
let recorder: EventRecorder;
let service: RunningService;

before(async () => {
  tickets = await startTicketsAlone('tickets_api', { slaScanIntervalMs: 60_000 });
  ({ bus, service } = tickets);
  recorder = await EventRecorder.start(bus, 'recorder', ['ticket.*']);
});

after(async () => {
  await recorder?.stop();
  await tickets?.stop();
});

const as = (user: TestUser | null) => clientOf(service.url, user);
const MISSING = '00000000-0000-4000-8000-000000000000';

async function settle(...events: EventEnvelope[]): Promise<void> {
  await bus.publish(events);
  const ids = events.map((event) => event.id);
  await eventually(async () => {
    const [row] = (await service.context.db.dataSource.query(`SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY($1::uuid[])`, [ids])) as { n: number }[];
    return row?.n === ids.length;
  }, 'the events to be handled');
}

async function open(creator: TestUser, request: { subject?: string; category?: TicketCategory; priority?: TicketPriority } = {}, type: 'SUPPORT' | 'PLATFORM_SUPPORT' = 'SUPPORT') {
  const channel = new ChannelScript(creator, type);
  await settle(channel.created(creator, { subject: request.subject ?? 'Help', category: request.category ?? 'TECHNICAL', priority: request.priority ?? 'MEDIUM' }));
  const answer = await as(creator).get<{ items: Ticket[] }>(`/api/chat/tickets?channelId=${channel.id}`);
  const ticket = answer.body.items[0];
  assert.ok(ticket, 'the creator sees its new ticket');
  return { channel, ticket };
}

const idsOf = (tickets: Ticket[]) => tickets.map((ticket) => ticket.id).sort();

async function listAll(user: TestUser, query = ''): Promise<Ticket[]> {
  const answer = await as(user).get<{ items: Ticket[] }>(`/api/chat/tickets?limit=200${query}`);
  assert.equal(answer.status, 200);
  return answer.body.items;
}

describe('who sees which tickets', () => {
  const a = tenantCast();
  const b = tenantCast();
  const platform = superAdmin();
  let first: Ticket, second: Ticket, escalated: Ticket, platformCase: Ticket, foreign: Ticket, takenPart: Ticket;

  before(async () => {
    ({ ticket: first } = await open(a.customer));
    ({ ticket: second } = await open(a.otherCustomer));
    const toEscalate = await open(a.customer);
    await settle(toEscalate.channel.escalated(a.manager, 'Over my head'));
    escalated = toEscalate.ticket;
    ({ ticket: platformCase } = await open(b.admin, { subject: 'Platform question' }, 'PLATFORM_SUPPORT'));
    ({ ticket: foreign } = await open(b.customer));
    // Escalated to this platform admin, then resolved: no longer escalated, but it took part.
    const taken = await open(b.customer);
    await settle(taken.channel.escalated(b.manager, 'Please', platform), taken.channel.resolved(platform, 'Sorted'));
    takenPart = taken.ticket;
  });

  it('a participant sees the tickets it opened, and no other', async () => {
    assert.deepEqual(idsOf(await listAll(a.customer)), idsOf([first, escalated]));
    assert.equal((await as(a.customer).get(`/api/chat/tickets/${first.id}`)).status, 200);
    const other = await as(a.customer).get(`/api/chat/tickets/${second.id}`);
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, 'TICKET_NOT_FOUND');
  });

  it('tenant staff see all of their tenant’s tickets, and none of another tenant', async () => {
    for (const staff of [a.admin, a.manager]) assert.deepEqual(idsOf(await listAll(staff)), idsOf([first, second, escalated]));
    assert.deepEqual(idsOf(await listAll(b.manager)), idsOf([platformCase, foreign, takenPart]));
    for (const path of [`/api/chat/tickets/${first.id}`, `/api/chat/tickets/${escalated.id}`]) {
      assert.equal((await as(b.admin).get(path)).status, 404);
      assert.equal((await as(b.customer).get(path)).status, 404);
    }
  });

  it('a platform admin sees escalated and platform tickets across tenants, and those it took part in', async () => {
    assert.deepEqual(idsOf(await listAll(platform)), idsOf([escalated, platformCase, takenPart]));
    assert.equal((await as(platform).get(`/api/chat/tickets/${escalated.id}`)).status, 200);
    assert.equal((await as(platform).get(`/api/chat/tickets/${first.id}`)).status, 404);
    assert.equal((await as(platform).get(`/api/chat/tickets/${foreign.id}`)).status, 404);
    // Another platform admin did not take part in the resolved one.
    assert.deepEqual(idsOf(await listAll(superAdmin())), idsOf([escalated, platformCase]));
  });

  it('the detail carries the history', async () => {
    const detail = await as(a.manager).get<TicketWithHistory>(`/api/chat/tickets/${escalated.id}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.status, 'ESCALATED');
    assert.deepEqual(detail.body.history.map((entry) => [entry.from, entry.to, entry.reason]), [[null, 'OPEN', 'Help'], ['OPEN', 'ESCALATED', 'Over my head']]);
  });

  it('answers 401 without a token and 404 for an unknown or malformed id', async () => {
    for (const [method, path] of [['GET', '/api/chat/tickets'], ['GET', `/api/chat/tickets/${first.id}`], ['PATCH', `/api/chat/tickets/${first.id}`]] as const) {
      const answer = await call(service.url, null, method, path, method === 'PATCH' ? { priority: 'HIGH' } : undefined);
      assert.equal(answer.status, 401, `${method} ${path}`);
      assert.equal(answer.body.error.code, 'UNAUTHENTICATED');
    }
    assert.equal((await as(a.admin).get(`/api/chat/tickets/${MISSING}`)).status, 404);
    assert.equal((await as(a.admin).get('/api/chat/tickets/not-a-uuid')).status, 404);
  });
});

describe('the queue', () => {
  const cast = tenantCast();
  const tickets: Ticket[] = [];

  before(async () => {
    const priorities: TicketPriority[] = ['LOW', 'URGENT', 'MEDIUM', 'HIGH', 'URGENT', 'LOW', 'MEDIUM'];
    for (const [index, priority] of priorities.entries()) {
      const category: TicketCategory = index % 2 === 0 ? 'BILLING' : 'TECHNICAL';
      tickets.push((await open(cast.customer, { subject: `case ${index}`, priority, category })).ticket);
    }
    const resolved = await open(cast.customer, { subject: 'already solved', priority: 'URGENT' });
    await settle(resolved.channel.resolved(cast.manager, 'done'));
    const assigned = await open(cast.customer, { subject: 'being handled', priority: 'HIGH' });
    await settle(assigned.channel.assigned(cast.admin, cast.manager));
  });

  it('sorts by the next SLA due time, nearest first, settled tickets last', async () => {
    const queue = await listAll(cast.manager);
    assert.equal(queue.length, 9);
    const dueTimes = queue.slice(0, 8).map((ticket) => Date.parse(ticket.firstResponseDueAt!));
    assert.deepEqual(dueTimes, [...dueTimes].sort((x, y) => x - y));
    assert.equal(queue.at(-1)?.subject, 'already solved');
    assert.equal(queue[0]?.priority, 'URGENT');
  });

  it('pages with an opaque cursor through every ticket exactly once, in order', async () => {
    const whole = await listAll(cast.manager);
    const paged: Ticket[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const answer = await as(cast.manager).get<{ items: Ticket[]; nextCursor: string | null }>(`/api/chat/tickets?limit=2${query}`);
      assert.equal(answer.status, 200);
      assert.ok(answer.body.items.length <= 2);
      paged.push(...answer.body.items);
      cursor = answer.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 20);
    assert.equal(pages, 5);
    assert.deepEqual(paged.map((ticket) => ticket.id), whole.map((ticket) => ticket.id));
  });

  it('filters by status, priority, category and assignee', async () => {
    const urgent = await listAll(cast.manager, '&priority=URGENT');
    assert.deepEqual(urgent.map((ticket) => ticket.subject).sort(), ['already solved', 'case 1', 'case 4']);
    const openUrgent = await listAll(cast.manager, '&priority=URGENT&status=OPEN');
    assert.deepEqual(openUrgent.map((ticket) => ticket.subject).sort(), ['case 1', 'case 4']);
    const billing = await listAll(cast.manager, '&category=BILLING');
    assert.deepEqual(billing.map((ticket) => ticket.subject).sort(), ['case 0', 'case 2', 'case 4', 'case 6']);
    const mine = await listAll(cast.manager, `&assignedTo=${cast.manager.userId}`);
    assert.deepEqual(mine.map((ticket) => [ticket.subject, ticket.status]), [['being handled', 'IN_PROGRESS']]);
    assert.deepEqual(await listAll(cast.manager, '&status=CLOSED'), []);
  });

  it('answers 400 for bad filters, limits and cursors', async () => {
    const bad = ['status=DONE', 'priority=SEVERE', 'category=MISC', 'limit=0', 'limit=201', 'limit=ten', 'cursor=nonsense', 'channelId=nope', `cursor=${Buffer.from('["infinity","2025-13-45T00:00:00.000000Z","x"]').toString('base64url')}`];
    for (const query of bad) {
      const answer = await as(cast.manager).get(`/api/chat/tickets?${query}`);
      assert.equal(answer.status, 400, query);
      assert.ok(['VALIDATION_FAILED', 'INVALID_CURSOR'].includes(answer.body.error.code), query);
    }
  });
});

describe('PATCH /api/chat/tickets/:id', () => {
  const a = tenantCast();
  const b = tenantCast();
  const platform = superAdmin();

  it('lets staff change priority and category, moving the due times and publishing ticket.updated', async () => {
    const { ticket } = await open(a.customer, { priority: 'LOW', category: 'OTHER' });
    const answer = await as(a.manager).patch<Ticket>(`/api/chat/tickets/${ticket.id}`, { priority: 'URGENT', category: 'BILLING' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.priority, 'URGENT');
    assert.equal(answer.body.category, 'BILLING');
    const created = Date.parse(ticket.createdAt);
    assert.equal(Date.parse(answer.body.firstResponseDueAt!), created + 15 * 60_000);
    assert.equal(Date.parse(answer.body.resolutionDueAt!), created + 240 * 60_000);
    const published = await eventually(async () => recorder.of('ticket.updated', (event) => event.data.ticket.id === ticket.id)[0], 'ticket.updated');
    assert.deepEqual(published.data.ticket, answer.body);
    assert.deepEqual(published.actor, { userId: a.manager.userId, role: 'MANAGEMENT_TEAM' });
    const read = await as(a.customer).get<Ticket>(`/api/chat/tickets/${ticket.id}`);
    assert.equal(read.body.priority, 'URGENT');
  });

  it('checks visibility (404), then the role (403), then the body (400), changing nothing on refusal', async () => {
    const { ticket } = await open(a.customer, { priority: 'MEDIUM' });
    const path = `/api/chat/tickets/${ticket.id}`;
    const before = (await as(a.admin).get(path)).body;

    assert.equal((await as(b.admin).patch(path, { priority: 'HIGH' })).status, 404);
    assert.equal((await as(b.admin).patch(path, { priority: 'NOPE' })).status, 404);
    assert.equal((await as(platform).patch(path, { priority: 'HIGH' })).status, 404);
    assert.equal((await as(a.otherCustomer).patch(path, { priority: 'HIGH' })).status, 404);
    assert.equal((await as(a.customer).patch(path, { priority: 'HIGH' })).status, 403);
    assert.equal((await as(a.customer).patch(path, { priority: 'NOPE' })).status, 403);
    assert.equal((await as(a.admin).patch(`/api/chat/tickets/${MISSING}`, { priority: 'HIGH' })).status, 404);
    for (const body of [{}, { priority: 'NOPE' }, { category: 'NOPE' }, { priority: 'HIGH', status: 'CLOSED' }, { priority: null }, 'not json', []]) {
      const answer = await as(a.admin).patch(path, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
    }
    assert.deepEqual((await as(a.admin).get(path)).body, before);
    assert.equal(recorder.of('ticket.updated', (event) => event.data.ticket.id === ticket.id).length, 0);
  });

  it('lets a platform admin change an escalated ticket of any tenant, and refuses a closed one (409)', async () => {
    const { channel, ticket } = await open(b.customer);
    await settle(channel.escalated(b.manager, 'Platform needed'));
    const answer = await as(platform).patch<Ticket>(`/api/chat/tickets/${ticket.id}`, { priority: 'HIGH' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.tenantId, b.tenantId);
    assert.equal(answer.body.priority, 'HIGH');

    await settle(channel.resolved(platform, 'ok'), channel.archived(b.admin));
    const closed = await as(b.admin).patch(`/api/chat/tickets/${ticket.id}`, { priority: 'LOW' });
    assert.equal(closed.status, 409);
    assert.equal(closed.body.error.code, 'TICKET_CLOSED');
    assert.equal((await as(b.admin).get<Ticket>(`/api/chat/tickets/${ticket.id}`)).body.priority, 'HIGH');
  });
});

describe('SLA policy', () => {
  const a = tenantCast();
  const b = tenantCast();
  const targets = {
    URGENT: { firstResponseMinutes: 5, resolutionMinutes: 60 },
    HIGH: { firstResponseMinutes: 30, resolutionMinutes: 240 },
    MEDIUM: { firstResponseMinutes: 120, resolutionMinutes: 720 },
    LOW: { firstResponseMinutes: 1_440, resolutionMinutes: 10_080 },
  };

  it('starts on the defaults, readable by staff only', async () => {
    const answer = await as(a.manager).get<SlaPolicy>('/api/chat/sla-policy');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      tenantId: a.tenantId,
      targets: {
        URGENT: { firstResponseMinutes: 15, resolutionMinutes: 240 },
        HIGH: { firstResponseMinutes: 60, resolutionMinutes: 480 },
        MEDIUM: { firstResponseMinutes: 240, resolutionMinutes: 1_440 },
        LOW: { firstResponseMinutes: 480, resolutionMinutes: 2_880 },
      },
      updatedAt: null,
      updatedBy: null,
    });
    assert.equal((await as(a.customer).get('/api/chat/sla-policy')).status, 403);
    assert.equal((await as(superAdmin()).get('/api/chat/sla-policy')).status, 403);
    assert.equal((await as(null).get('/api/chat/sla-policy')).status, 401);
  });

  it('is set by a tenant admin only, for its own tenant, and used for new tickets', async () => {
    assert.equal((await as(a.manager).put('/api/chat/sla-policy', { targets })).status, 403);
    assert.equal((await as(a.customer).put('/api/chat/sla-policy', { targets })).status, 403);
    const put = await as(a.admin).put<SlaPolicy>('/api/chat/sla-policy', { targets });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.targets, targets);
    assert.equal(put.body.updatedBy, a.admin.userId);
    assert.deepEqual((await as(a.manager).get<SlaPolicy>('/api/chat/sla-policy')).body, put.body);
    assert.equal((await as(b.admin).get<SlaPolicy>('/api/chat/sla-policy')).body.targets.URGENT.firstResponseMinutes, 15);

    const { ticket } = await open(a.customer, { priority: 'URGENT' });
    assert.equal(Date.parse(ticket.firstResponseDueAt!), Date.parse(ticket.createdAt) + 5 * 60_000);
    assert.equal(Date.parse(ticket.resolutionDueAt!), Date.parse(ticket.createdAt) + 60 * 60_000);
  });

  it('refuses bad targets with 400 and keeps the policy', async () => {
    const before = (await as(a.admin).get('/api/chat/sla-policy')).body;
    const { URGENT: _urgent, ...missingOne } = targets;
    const bad = [
      {},
      { targets: missingOne },
      { targets: { ...targets, URGENT: { firstResponseMinutes: -1, resolutionMinutes: 60 } } },
      { targets: { ...targets, URGENT: { firstResponseMinutes: 0, resolutionMinutes: 60 } } },
      { targets: { ...targets, URGENT: { firstResponseMinutes: 90, resolutionMinutes: 60 } } },
      { targets: { ...targets, URGENT: { firstResponseMinutes: '5', resolutionMinutes: 60 } } },
      { targets: { ...targets, URGENT: { firstResponseMinutes: 5, resolutionMinutes: 1e9 } } },
      { targets: { ...targets, CRITICAL: targets.URGENT } },
      { targets, tenantId: b.tenantId },
    ];
    for (const body of bad) {
      const answer = await as(a.admin).put('/api/chat/sla-policy', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.code, 'VALIDATION_FAILED');
      assert.ok(Array.isArray(answer.body.error.details));
    }
    assert.deepEqual((await as(a.admin).get('/api/chat/sla-policy')).body, before);
  });
});

describe('canned responses', () => {
  const a = tenantCast();
  const b = tenantCast();
  const base = '/api/chat/canned-responses';

  it('are created, listed, changed and deleted by staff of the tenant', async () => {
    const created = await as(a.manager).post<CannedResponse>(base, { title: 'Refund', text: 'We have refunded you.', shortcut: 'refund' });
    assert.equal(created.status, 201);
    assert.equal(created.body.tenantId, a.tenantId);
    assert.equal(created.body.createdBy, a.manager.userId);
    const second = await as(a.admin).post<CannedResponse>(base, { title: 'Hello', text: 'Hi! How can I help?', shortcut: 'hello' });
    assert.equal(second.status, 201);

    const list = await as(a.admin).get<{ items: CannedResponse[] }>(base);
    assert.deepEqual(list.body.items.map((item) => item.shortcut), ['hello', 'refund']);

    const patched = await as(a.admin).patch<CannedResponse>(`${base}/${created.body.id}`, { text: 'Refund issued.' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.text, 'Refund issued.');
    assert.equal(patched.body.title, 'Refund');

    assert.equal((await as(a.manager).delete(`${base}/${second.body.id}`)).status, 204);
    assert.equal((await as(a.manager).delete(`${base}/${second.body.id}`)).status, 404);
    assert.deepEqual((await as(a.admin).get<{ items: CannedResponse[] }>(base)).body.items.map((item) => item.shortcut), ['refund']);
  });

  it('keep shortcuts unique per tenant, whatever the case (409), but not across tenants', async () => {
    await as(a.admin).post(base, { title: 'Bye', text: 'Goodbye!', shortcut: 'bye' });
    const clash = await as(a.manager).post(base, { title: 'Bye 2', text: 'See you', shortcut: 'BYE' });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, 'SHORTCUT_TAKEN');
    const other = await as(a.admin).post<CannedResponse>(base, { title: 'Later', text: 'Later!', shortcut: 'later' });
    assert.equal((await as(a.admin).patch(`${base}/${other.body.id}`, { shortcut: 'Bye' })).status, 409);
    assert.equal((await as(b.admin).post(base, { title: 'Bye', text: 'Ciao', shortcut: 'bye' })).status, 201);
  });

  it('stay within their tenant: another tenant’s ids answer 404', async () => {
    const mine = await as(a.admin).post<CannedResponse>(base, { title: 'Secret', text: 'Tenant A only', shortcut: 'secret' });
    const path = `${base}/${mine.body.id}`;
    assert.ok(!(await as(b.admin).get<{ items: CannedResponse[] }>(base)).body.items.some((item) => item.id === mine.body.id));
    assert.equal((await as(b.admin).patch(path, { text: 'hacked' })).status, 404);
    assert.equal((await as(b.admin).patch(path, { text: '' })).status, 404);
    assert.equal((await as(b.manager).delete(path)).status, 404);
    assert.equal((await as(superAdmin()).delete(path)).status, 404);
    assert.equal((await as(a.admin).patch(`${base}/${MISSING}`, { text: 'x' })).status, 404);
    assert.equal((await as(a.admin).get<{ items: CannedResponse[] }>(base)).body.items.find((item) => item.id === mine.body.id)?.text, 'Tenant A only');
  });

  it('are for staff: a participant gets 403 on the list, 404 on one, 401 without a token', async () => {
    const one = await as(a.admin).post<CannedResponse>(base, { title: 'Staff', text: 'only', shortcut: 'staff-only' });
    assert.equal((await as(a.customer).get(base)).status, 403);
    assert.equal((await as(a.customer).post(base, { title: 'x', text: 'y', shortcut: 'z' })).status, 403);
    assert.equal((await as(a.customer).patch(`${base}/${one.body.id}`, { text: 'x' })).status, 404);
    assert.equal((await as(a.customer).delete(`${base}/${one.body.id}`)).status, 404);
    for (const [method, path] of [['GET', base], ['POST', base], ['PATCH', `${base}/${one.body.id}`], ['DELETE', `${base}/${one.body.id}`]] as const) {
      assert.equal((await call(service.url, null, method, path, method === 'POST' || method === 'PATCH' ? { text: 'x' } : undefined)).status, 401);
    }
  });

  it('refuse bad input with 400 and change nothing', async () => {
    const one = await as(a.admin).post<CannedResponse>(base, { title: 'Stable', text: 'unchanged', shortcut: 'stable' });
    const before = (await as(a.admin).get<{ items: CannedResponse[] }>(base)).body.items;
    const badCreates = [{}, { title: 'x', text: 'y' }, { title: '', text: 'y', shortcut: 'z' }, { title: 'x', text: '', shortcut: 'z' }, { title: 'x', text: 'y', shortcut: 'has space' }, { title: 'x', text: 'y', shortcut: 'a'.repeat(65) }, { title: 'x', text: 'y', shortcut: 'z', extra: 1 }, { title: 'x', text: 'y'.repeat(10_001), shortcut: 'z' }];
    for (const body of badCreates) assert.equal((await as(a.admin).post(base, body)).status, 400, JSON.stringify(body).slice(0, 80));
    for (const body of [{}, { title: '' }, { shortcut: 'no spaces allowed' }, { id: MISSING }, { text: 42 }]) {
      assert.equal((await as(a.admin).patch(`${base}/${one.body.id}`, body)).status, 400, JSON.stringify(body));
    }
    assert.deepEqual((await as(a.admin).get<{ items: CannedResponse[] }>(base)).body.items, before);
  });

  it('platform admins keep their own under the platform tenant of their tokens', async () => {
    const platform = superAdmin();
    const created = await as(platform).post<CannedResponse>(base, { title: 'Escalation ack', text: 'The platform team has your case.', shortcut: 'ack' });
    assert.equal(created.status, 201);
    assert.equal(created.body.tenantId, 'platform');
    assert.ok((await as(superAdmin()).get<{ items: CannedResponse[] }>(base)).body.items.some((item) => item.id === created.body.id));
    assert.ok(!(await as(a.admin).get<{ items: CannedResponse[] }>(base)).body.items.some((item) => item.id === created.body.id));
  });
});
