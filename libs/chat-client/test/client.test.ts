import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Message } from '@chat/contracts';
import { ChatClient, ChatError, ChatRestClient } from '../src/index.ts';
import { startFakeGateway, type FakeGateway } from './support/fake-gateway.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

describe('ChatClient against a Socket.IO server', () => {
  let gateway: FakeGateway;
  const clients: ChatClient[] = [];

  before(async () => {
    gateway = await startFakeGateway();
    gateway.tokens.add('alice-token');
  });

  after(async () => {
    for (const client of clients) client.close();
    await gateway.close();
  });

  beforeEach(() => {
    gateway.joins.length = 0;
  });

  function newClient(token: string | (() => string) = 'alice-token') {
    const client = new ChatClient({ url: gateway.url, token, socketOptions: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 } });
    const received: Message[] = [];
    const errors: ChatError[] = [];
    client.onMessage((_channelId, message) => received.push(message));
    client.onError((error) => errors.push(error));
    clients.push(client);
    return { client, received, errors, seqs: () => received.map((message) => message.seq) };
  }

  const expectSeqs = (seqs: number[], upTo: number) => assert.deepEqual(seqs, Array.from({ length: upTo }, (_, index) => index + 1));

  test('history after the given seq, then live messages, each once; an own send is not doubled', async () => {
    const channelId = crypto.randomUUID();
    gateway.append(channelId, 'before 1');
    gateway.append(channelId, 'before 2');
    const { client, seqs } = newClient();
    await client.joinChannel(channelId, { afterSeq: 0 });
    expectSeqs(seqs(), 2);
    gateway.append(channelId, 'live');
    const own = await client.sendMessage(channelId, 'mine');
    assert.equal(own.seq, 4);
    await until(() => seqs().length === 4, 'four messages');
    await pause(100);
    expectSeqs(seqs(), 4);
    assert.equal(client.lastSeq(channelId), 4);
  });

  test('a gap in seq is fetched over REST; repeated live events are dropped', async () => {
    const channelId = crypto.randomUUID();
    const { client, seqs } = newClient();
    await client.joinChannel(channelId, { afterSeq: 0 });
    const first = gateway.append(channelId, '1');
    gateway.append(channelId, '2', { emit: false }); // lost on the way
    const third = gateway.append(channelId, '3', { emit: false });
    const fourth = gateway.append(channelId, '4');
    gateway.emit(channelId, first);
    gateway.emit(channelId, fourth);
    gateway.emit(channelId, third);
    await until(() => seqs().length === 4, 'the gap filled');
    await pause(100);
    expectSeqs(seqs(), 4);
  });

  test('after a lost connection: it reconnects, joins again, and fetches what it missed', async () => {
    const channelId = crypto.randomUUID();
    const { client, seqs } = newClient();
    await client.joinChannel(channelId, { afterSeq: 0 });
    gateway.append(channelId, 'before the cut');
    await until(() => seqs().length === 1, 'the first message');

    const reconnected = new Promise((resolve) => client.socket.io.once('reconnect', resolve));
    gateway.cutConnections();
    await until(() => !client.socket.connected, 'the cut');
    for (let index = 0; index < 5; index++) gateway.append(channelId, `while away ${index}`);
    await reconnected;
    await until(() => seqs().length === 6, 'the missed messages');
    assert.equal(gateway.joins.filter((joined) => joined === channelId).length, 2, 'joined again after reconnecting');

    gateway.append(channelId, 'after');
    await until(() => seqs().length === 7, 'live again');
    await pause(100);
    expectSeqs(seqs(), 7);
  });

  test('resync makes it fetch what the socket never brought', async () => {
    const channelId = crypto.randomUUID();
    const { client, seqs } = newClient();
    await client.joinChannel(channelId, { afterSeq: 0 });
    gateway.append(channelId, 'lost 1', { emit: false });
    gateway.append(channelId, 'lost 2', { emit: false });
    await pause(50);
    assert.deepEqual(seqs(), []);
    gateway.io.of('/chat').emit('resync', {});
    await until(() => seqs().length === 2, 'the resync');
    expectSeqs(seqs(), 2);
  });

  test('without afterSeq a join starts after the newest message', async () => {
    const channelId = crypto.randomUUID();
    gateway.append(channelId, 'old');
    const { client, seqs } = newClient();
    await client.joinChannel(channelId);
    gateway.append(channelId, 'new');
    await until(() => seqs().length === 1, 'the new message');
    assert.deepEqual(seqs(), [2]);
  });

  test('a refused join rejects with the server’s refusal', async () => {
    const channelId = crypto.randomUUID();
    gateway.hidden.add(channelId);
    const { client } = newClient();
    await assert.rejects(client.joinChannel(channelId), (error: unknown) => error instanceof ChatError && error.code === 'NOT_FOUND');
    assert.equal(client.lastSeq(channelId), null);
  });

  test('a refused handshake rejects the join and is reported', async () => {
    const { client, errors } = newClient('wrong-token');
    await assert.rejects(client.joinChannel(crypto.randomUUID()), (error: unknown) => error instanceof ChatError && error.code === 'UNAUTHENTICATED');
    assert.equal(errors[0]?.code, 'UNAUTHENTICATED');
  });

  test('when the server ends the socket, a renewable token brings it back', async () => {
    const channelId = crypto.randomUUID();
    let issued = 0;
    const { client, seqs } = newClient(() => {
      issued += 1;
      const token = `renewed-${issued}`;
      gateway.tokens.add(token);
      return token;
    });
    await client.joinChannel(channelId, { afterSeq: 0 });
    gateway.disconnectSockets();
    gateway.append(channelId, 'while ended', { emit: false });
    await until(() => issued >= 2 && client.socket.connected, 'a reconnect with a new token');
    await until(() => seqs().length === 1, 'the missed message');
    expectSeqs(seqs(), 1);
  });

  test('typing and read marks go over the socket; sends fall back to REST without it', async () => {
    const channelId = crypto.randomUUID();
    const { client, received } = newClient();
    await client.joinChannel(channelId, { afterSeq: 0 });
    client.typing(channelId, true);
    await client.markRead(channelId, 0);
    await until(() => gateway.events.some((entry) => entry.event === 'typing'), 'typing');
    assert.deepEqual(gateway.events.find((entry) => entry.event === 'mark_read')?.payload, { channelId, seq: 0 });

    client.socket.disconnect();
    const sent = await client.sendMessage(channelId, 'over REST', { clientMessageId: 'retry-me' });
    const again = await client.sendMessage(channelId, 'over REST', { clientMessageId: 'retry-me' });
    assert.equal(again.id, sent.id);
    assert.deepEqual(received.map((message) => message.id), [sent.id]);
  });

  test('REST refusals and unreachable servers become ChatError', async () => {
    const rest = new ChatRestClient({ baseUrl: gateway.url, token: 'alice-token' });
    await assert.rejects(rest.getTicket('x'), (error: unknown) => error instanceof ChatError && error.status === 404 && error.code === 'NOT_FOUND');
    const anonymous = new ChatRestClient({ baseUrl: gateway.url, token: 'nobody' });
    await assert.rejects(anonymous.listMessages(crypto.randomUUID()), (error: unknown) => error instanceof ChatError && error.status === 401);
    const nowhere = new ChatRestClient({ baseUrl: 'http://127.0.0.1:1', token: 'x' });
    await assert.rejects(nowhere.listChannels(), (error: unknown) => error instanceof ChatError && error.code === 'NETWORK_ERROR');
  });
});
