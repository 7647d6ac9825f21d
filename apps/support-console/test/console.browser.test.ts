/**
 * The support console in a real browser against the whole system in one process: an agent works
 * a participant's ticket live, escalates it, platform support is alerted, and an agent of another
 * tenant sees none of it; a participant opens a ticket in the console, never sees staff notes,
 * and loses nothing written offline. Chromium comes from the machine (`/usr/bin/chromium`, Debian's
 * `chromium` package); nothing is downloaded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { glob, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { createTestDatabase, postgresAdminUrl, startServiceProcess, waitFor, type StartedProcess, type TestDatabase } from '@chat/test-kit';

const consoleDir = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const root = path.resolve(consoleDir, '..', '..');
const resultsDir = path.join(consoleDir, 'test-results');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The one-process run keeps each service's database beside the one its URL names. */
const SERVICE_DATABASES = ['channels', 'messaging', 'tickets'];
const UI_TIMEOUT_MS = 20_000;

const run = randomBytes(3).toString('hex');
const tenant = `acme-${run}`;
const otherTenant = `globex-${run}`;
const subject = `Cannot join the spring cup ${run}`;
const firstMessage = `My team is locked out of the bracket <img src=x onerror="window.__injected=1"><script>window.__injected=2</script> ${run}`;
const followUp = `Still stuck, the deadline is tonight ${run}`;
const reply = `Thanks, I am looking into it now ${run}`;
const reason = `Bracket service refuses the team: platform bug ${run}`;

let database: TestDatabase;
let system: StartedProcess;
let baseUrl: string;
const contexts: BrowserContext[] = [];
const profileDirs: string[] = [];
const sockets: Socket[] = [];

/** What the console's bundle is made of: its own sources and the libraries it bundles. */
const BUNDLED_SOURCES = ['apps/support-console/index.html', 'apps/support-console/vite.config.ts', 'apps/support-console/src/**', 'libs/chat-client/src/**', 'libs/contracts/src/**'];

/** Whether `dist/` was built after every source it is made of last changed. */
async function buildIsCurrent(): Promise<boolean> {
  const built = await stat(path.join(consoleDir, 'dist', 'index.html')).catch(() => null);
  if (!built) return false;
  for await (const file of glob(BUNDLED_SOURCES, { cwd: root })) {
    if ((await stat(path.join(root, file))).mtimeMs > built.mtimeMs) return false;
  }
  return true;
}

before(async () => {
  await stat(CHROMIUM).catch(() => assert.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`));
  await mkdir(resultsDir, { recursive: true });
  // The gateway serves whatever `dist/` holds: it must be built from the sources under test.
  if (!(await buildIsCurrent())) {
    const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: consoleDir,
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, `the console build failed:\n${build.stdout}\n${build.stderr}`);
  }

  database = await createTestDatabase('console');
  // The one-process run on its embedded defaults (in-process events, in-memory socket adapter),
  // whatever broker or keys the surrounding test run names: nothing here is shared with other tests.
  const env = {
    DATABASE_URL: database.url,
    DEV_AUTH: '1',
    AMQP_URL: undefined,
    REDIS_URL: undefined,
    EVENTS_EXCHANGE: undefined,
    JWT_SECRET: undefined,
    JWT_PUBLIC_KEY: undefined,
    JWT_JWKS_URL: undefined,
    JWT_ISSUER: undefined,
    JWT_AUDIENCE: undefined,
    CORS_ORIGINS: undefined,
  };
  system = await startServiceProcess(path.join(root, 'apps', 'all-in-one', 'src', 'main.ts'), env, { timeoutMs: 120_000 });
  baseUrl = system.url;
});

after(async () => {
  for (const socket of sockets) socket.disconnect();
  for (const context of contexts) await context.close().catch(() => undefined);
  await system?.kill();
  for (const dir of profileDirs) await rm(dir, { recursive: true, force: true });
  if (database) {
    const admin = new pg.Client({ connectionString: postgresAdminUrl() });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      for (const service of SERVICE_DATABASES) {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(`${database.name}_${service}`)} WITH (FORCE)`);
      }
    } finally {
      await admin.end();
    }
    await database.drop();
  }
});

/** A browser of its own (fresh profile directory), as a separate person at a separate machine. */
async function openBrowser(): Promise<Page> {
  const profile = await mkdtemp(path.join(tmpdir(), 'console-chromium-'));
  profileDirs.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1440, height: 900 },
  });
  contexts.push(context);
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  return page;
}

async function signIn(page: Page, who: { userId: string; tenantId: string; name: string; role: string }): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('User ID').fill(who.userId);
  await page.getByLabel('Tenant ID').fill(who.tenantId);
  await page.getByLabel('Name').fill(who.name);
  await page.getByLabel('Role').selectOption(who.role);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('list', { name: 'Tickets' }).waitFor();
  // Live events reach a console only once its socket is up: wait for it, as a person would see it.
  await page.getByTitle('Connection to the support system').getByText('Live', { exact: true }).waitFor();
}

/** A call to the system; a system that stopped answering shows what it last wrote. */
async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const state = `exit code ${system.child.exitCode}, signal ${system.child.signalCode}`;
    throw new Error(`the system does not answer ${url} (${state}):\n${system.output().slice(-4_000)}`, { cause: error });
  }
}

async function devToken(userId: string, tenantId: string, role: string, name: string): Promise<string> {
  const response = await request(`${baseUrl}/api/chat/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, tenantId, role, name }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { token: string }).token;
}

async function api<T>(token: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await request(`${baseUrl}/api/chat${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${route} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function connectSocket(token: string): Promise<Socket> {
  const socket = io(`${baseUrl}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

function ticketRow(page: Page, text: string) {
  return page.getByRole('list', { name: 'Tickets' }).getByRole('listitem').filter({ hasText: text });
}

async function textOf(page: Page, role: 'status', name: string): Promise<string> {
  return ((await page.getByRole(role, { name, exact: true }).textContent()) ?? '').trim();
}

test('an agent works a ticket live; platform support sees the escalation; another tenant sees nothing', async () => {
  const agent = await openBrowser();
  const outsider = await openBrowser();
  const platform = await openBrowser();
  await signIn(agent, { userId: `agent-${run}`, tenantId: tenant, name: 'Alex Agent', role: 'MANAGEMENT_TEAM' });
  await signIn(outsider, { userId: `agent-${run}`, tenantId: otherTenant, name: 'Olive Outsider', role: 'MANAGEMENT_TEAM' });
  await signIn(platform, { userId: `admin-${run}`, tenantId: 'platform', name: 'Sam Super', role: 'SUPER_ADMIN' });

  // A participant of the tenant opens a ticket through the API, as a tenant app would.
  const participantToken = await devToken(`player-${run}`, tenant, 'PARTICIPANT', 'Pat Player');
  const participantSocket = await connectSocket(participantToken);
  const channel = await api<{ id: string }>(participantToken, 'POST', '/channels', {
    type: 'SUPPORT',
    subject,
    category: 'TOURNAMENT_ISSUE',
    priority: 'HIGH',
  });
  const joined = await participantSocket.timeout(5_000).emitWithAck('join_channel', { channelId: channel.id });
  assert.deepEqual(joined, { ok: true });
  await api(participantToken, 'POST', `/channels/${channel.id}/messages`, { content: firstMessage, clientMessageId: `first-${run}` });

  // The queue shows it without a reload, with its status and priority.
  const row = ticketRow(agent, subject);
  await row.waitFor();
  const rowText = (await row.textContent()) ?? '';
  assert.match(rowText, /OPEN/);
  assert.match(rowText, /HIGH/);
  await agent.screenshot({ path: path.join(resultsDir, 'queue.png') });

  // The conversation: the participant's message, as inert text.
  await row.getByRole('button').click();
  const log = agent.getByRole('log', { name: 'Messages' });
  await log.getByText(firstMessage).waitFor();
  assert.equal(await agent.evaluate(() => (window as { __injected?: number }).__injected), undefined, 'markup in a message must never run');
  assert.equal(await log.locator('img, script').count(), 0, 'markup in a message must never become elements');
  assert.equal(await textOf(agent, 'status', 'Ticket status'), 'OPEN');

  // A new message arrives live.
  await api(participantToken, 'POST', `/channels/${channel.id}/messages`, { content: followUp, clientMessageId: `second-${run}` });
  await log.getByText(followUp).waitFor();

  // Someone online before the page loaded shows as online: the console asks, not only listens.
  await agent.reload();
  await log.getByText(followUp).waitFor();
  const patInPeople = agent.locator('.person').filter({ hasText: 'Pat Player' });
  await patInPeople.getByText('Online', { exact: true }).waitFor();

  // The agent replies with Enter; the participant's socket receives it.
  const replyReceived = new Promise<{ content: string; senderId: string }>((resolve) => {
    participantSocket.on('new_message', ({ message }: { message: { content: string; senderId: string } }) => {
      if (message.content === reply) resolve(message);
    });
  });
  const composer = agent.getByRole('textbox', { name: 'Message' });
  await composer.fill(reply);
  await composer.press('Enter');
  const received = await withTimeout(replyReceived, UI_TIMEOUT_MS, 'the reply on the participant socket');
  assert.equal(received.senderId, `agent-${run}`);
  await log.getByText(reply).waitFor();
  assert.equal(await composer.inputValue(), '', 'a sent message leaves the composer');

  // The participant types; the agent sees who.
  const typing = agent.getByText('Pat Player is typing', { exact: true });
  await waitFor(
    async () => {
      participantSocket.emit('typing', { channelId: channel.id, isTyping: true });
      return typing.isVisible();
    },
    { timeoutMs: UI_TIMEOUT_MS, intervalMs: 500, what: '"Pat Player is typing"' },
  );
  participantSocket.emit('typing', { channelId: channel.id, isTyping: false });

  // An internal note is an aside: once added, the composer writes replies again.
  const noteSwitch = agent.getByRole('switch', { name: 'Internal note' });
  await noteSwitch.click();
  assert.match((await agent.locator('.composer-hint').textContent()) ?? '', /Enter to add the note/);
  await composer.fill(`Looks like the bracket lock bug ${run}`);
  await composer.press('Enter');
  await log.getByText(`Looks like the bracket lock bug ${run}`).waitFor();
  assert.equal(await noteSwitch.getAttribute('aria-checked'), 'false', 'back to replying after a note');
  assert.match((await agent.locator('.composer-hint').textContent()) ?? '', /Enter to send/);

  // Escalation, with a reason: one of spaces only is refused in the dialog, saying what is missing.
  await agent.getByRole('button', { name: 'Escalate', exact: true }).click();
  const dialog = agent.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('   ');
  await dialog.getByRole('button', { name: 'Escalate', exact: true }).click();
  await dialog.getByRole('alert').filter({ hasText: 'Say why the case needs platform support.' }).waitFor();
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('button', { name: 'Escalate', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await waitFor(async () => (await textOf(agent, 'status', 'Ticket status')) === 'ESCALATED', {
    timeoutMs: UI_TIMEOUT_MS,
    what: 'Ticket status ESCALATED',
  });
  await agent.screenshot({ path: path.join(resultsDir, 'conversation.png') });
  // An escalated case cannot be escalated again: the button says so instead of failing in the dialog.
  const escalateButton = agent.getByRole('button', { name: 'Escalate', exact: true });
  assert.equal(await escalateButton.isDisabled(), true, 'Escalate is disabled on an escalated case');
  assert.match((await escalateButton.getAttribute('title')) ?? '', /already escalated/);
  const agentToken = await devToken(`agent-${run}`, tenant, 'MANAGEMENT_TEAM', 'Alex Agent');
  const { items: tickets } = await api<{ items: { channelId: string; status: string }[] }>(agentToken, 'GET', '/tickets');
  assert.equal(tickets.find((ticket) => ticket.channelId === channel.id)?.status, 'ESCALATED', 'the ticket itself is escalated, not only the page');

  // Platform support is alerted, with the tenant named, and finds the case in its queue.
  const alert = platform.getByRole('alert').filter({ hasText: tenant });
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', new RegExp(reason.slice(0, 20)));
  await waitFor(async () => ((await alert.textContent()) ?? '').includes(subject), { timeoutMs: UI_TIMEOUT_MS, what: 'the alert to name the case' });
  const platformRow = ticketRow(platform, subject);
  await platformRow.waitFor();
  assert.match((await platformRow.textContent()) ?? '', new RegExp(`${tenant}`));
  assert.match((await platformRow.textContent()) ?? '', /ESCALATED/);
  await platform.screenshot({ path: path.join(resultsDir, 'platform-escalation.png') });

  // The other tenant's agent, signed in all along, saw none of it.
  await outsider.waitForTimeout(500);
  assert.equal(await ticketRow(outsider, subject).count(), 0, 'another tenant never sees the ticket');
  const outsiderText = (await outsider.locator('body').textContent()) ?? '';
  for (const secret of [subject, firstMessage, followUp, reply, reason]) assert.ok(!outsiderText.includes(secret), `another tenant's page shows "${secret}"`);
  assert.equal(await outsider.getByRole('alert').count(), 0, 'another tenant gets no escalation alert');
  await outsider.reload();
  await outsider.getByRole('list', { name: 'Tickets' }).waitFor();
  await outsider.waitForTimeout(1_000);
  assert.equal(await ticketRow(outsider, subject).count(), 0, 'not after a reload either');

  // A link to the case is no way in: the outsider is told it is not found, with no composer.
  await outsider.goto(`${baseUrl}/?channel=${channel.id}`);
  await outsider.getByRole('heading', { name: 'Conversation not found' }).waitFor();
  assert.equal(await outsider.getByRole('textbox', { name: 'Message' }).count(), 0, 'no composer into a conversation not found');
  assert.equal(await outsider.getByRole('complementary').count(), 0, 'no details pane beside it');
  await outsider.getByRole('button', { name: 'Back to the list' }).click();
  await outsider.getByRole('heading', { name: 'Pick a ticket from the queue' }).waitFor();
  assert.equal(new URL(outsider.url()).searchParams.get('channel'), null);

  // A queue longer than a page says so ("100+"), and an order other than the server's loads the
  // rest before sorting: the newest ticket is on top, and the count is the whole queue's.
  const customers = await Promise.all([1, 2, 3, 4].map((n) => devToken(`bulk-${n}-${run}`, tenant, 'PARTICIPANT', `Bulk ${n}`)));
  await Promise.all(
    customers.map(async (token, n) => {
      for (let i = 0; i < 25; i += 1) {
        await api(token, 'POST', '/channels', { type: 'SUPPORT', subject: `Bulk ${n}-${i} ${run}`, category: 'OTHER', priority: 'LOW' });
      }
    }),
  );
  await api(customers[0]!, 'POST', '/channels', { type: 'SUPPORT', subject: `Latest of all ${run}`, category: 'OTHER', priority: 'LOW' });
  const queueTotal = 102;
  await waitFor(async () => (await api<{ items: unknown[] }>(agentToken, 'GET', '/tickets?limit=200')).items.length === queueTotal, {
    timeoutMs: UI_TIMEOUT_MS,
    intervalMs: 250,
    what: `${queueTotal} tickets in the queue`,
  });
  await agent.reload();
  const ticketCount = agent.locator('#tickets-heading .count');
  await waitFor(async () => (await ticketCount.textContent()) === '100+', { timeoutMs: UI_TIMEOUT_MS, what: 'the ticket count "100+"' });
  await agent.getByRole('combobox', { name: 'Sort' }).selectOption('newest');
  await waitFor(async () => (await ticketCount.textContent()) === String(queueTotal), { timeoutMs: UI_TIMEOUT_MS, what: `the ticket count "${queueTotal}"` });
  const firstRow = agent.getByRole('list', { name: 'Tickets' }).getByRole('listitem').first();
  assert.match((await firstRow.textContent()) ?? '', new RegExp(`Latest of all ${run}`), 'the newest ticket of the whole queue comes first');
});

test('a participant opens a ticket in the console, never sees staff notes, and loses nothing offline', async () => {
  const shop = `initech-${run}`;
  const player = await openBrowser();
  // A blank identity is named in the form, not sent to be refused as "not valid".
  await player.goto(baseUrl);
  await player.getByLabel('User ID').fill('   ');
  await player.getByLabel('Tenant ID').fill(shop);
  await player.getByRole('button', { name: 'Sign in', exact: true }).click();
  await player.getByRole('alert').filter({ hasText: 'Enter a user ID.' }).waitFor();
  await signIn(player, { userId: `kim-${run}`, tenantId: shop, name: 'Kim Customer', role: 'PARTICIPANT' });

  await player.getByRole('button', { name: 'New ticket', exact: true }).click();
  const dialog = player.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(`Prize never arrived ${run}`);
  await dialog.getByRole('combobox', { name: 'Category' }).selectOption('BILLING');
  await dialog.getByRole('combobox', { name: 'Priority' }).selectOption('URGENT');
  await dialog.getByRole('textbox', { name: 'Message' }).fill(`I won the cup but the prize never came ${run}`);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  const log = player.getByRole('log', { name: 'Messages' });
  await log.getByText(`I won the cup but the prize never came ${run}`).waitFor();
  await ticketRow(player, `Prize never arrived ${run}`).waitFor();
  assert.equal(await player.getByRole('switch', { name: 'Internal note' }).count(), 0, 'participants write no internal notes');
  for (const action of ['Assign', 'Escalate', 'Resolve']) {
    assert.equal(await player.getByRole('button', { name: action, exact: true }).count(), 0, `participants get no ${action} button`);
  }

  // Staff answer and talk among themselves beside the customer.
  const staffToken = await devToken(`lee-${run}`, shop, 'TENANT_ADMIN', 'Lee Lead');
  const { items } = await api<{ items: { channelId: string; subject: string; priority: string; category: string }[] }>(staffToken, 'GET', '/tickets');
  const ticket = items.find((item) => item.subject === `Prize never arrived ${run}`);
  assert.ok(ticket, 'staff see the ticket the participant opened');
  assert.equal(ticket.priority, 'URGENT');
  assert.equal(ticket.category, 'BILLING');
  await api(staffToken, 'POST', `/channels/${ticket.channelId}/notes`, { content: `Internal: check the payout log ${run}` });
  await api(staffToken, 'POST', `/channels/${ticket.channelId}/messages`, { content: `We are on it ${run}` });
  await log.getByText(`We are on it ${run}`).waitFor();

  // Offline: the console says so, keeps the message, and sends it once when the network is back.
  const offlineText = `Sent from the train ${run}`;
  await player.context().setOffline(true);
  await player.getByText(/You are offline/).waitFor();
  const composer = player.getByRole('textbox', { name: 'Message' });
  await composer.fill(offlineText);
  await composer.press('Enter');
  await log.getByText(offlineText).waitFor();
  await player.context().setOffline(false);
  await waitFor(
    async () => {
      const history = await api<{ items: { content: string }[] }>(staffToken, 'GET', `/channels/${ticket.channelId}/messages`);
      return history.items.filter((message) => message.content === offlineText).length === 1;
    },
    { timeoutMs: UI_TIMEOUT_MS, intervalMs: 250, what: 'the message written offline to arrive' },
  );
  await player.getByTitle('Connection to the support system').getByText('Live', { exact: true }).waitFor();
  await player.waitForTimeout(1_000);
  const history = await api<{ items: { content: string }[] }>(staffToken, 'GET', `/channels/${ticket.channelId}/messages`);
  assert.equal(history.items.filter((message) => message.content === offlineText).length, 1, 'sent exactly once');
  assert.equal(await log.getByText(offlineText).count(), 1, 'shown exactly once');

  const pageText = (await player.locator('body').textContent()) ?? '';
  assert.ok(!pageText.includes('check the payout log'), 'a participant never sees an internal note');

  // Resolved, the case tells the customer that writing again reopens it.
  await api(staffToken, 'PUT', `/channels/${ticket.channelId}/assign`, { assigneeId: `lee-${run}` });
  // The assignee joins the people of the case live, and the conversation says who, by name.
  await player.locator('.person').filter({ hasText: 'Lee Lead' }).waitFor();
  await log.getByText('Assigned to Lee Lead', { exact: true }).waitFor();
  await api(staffToken, 'PUT', `/channels/${ticket.channelId}/resolve`, { resolution: `Payout sent ${run}` });
  await player.getByText('This case is resolved. Replying reopens it.').waitFor();
  await player.screenshot({ path: path.join(resultsDir, 'participant.png') });

  // After a reload the customer still calls the staff member by name (the user directory is for
  // staff; the channel's participants carry their names).
  await player.reload();
  await log.getByText(`We are on it ${run}`).waitFor();
  await waitFor(async () => ((await log.textContent()) ?? '').includes('Lee Lead'), { timeoutMs: UI_TIMEOUT_MS, what: 'the staff member named in the conversation' });
});

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
