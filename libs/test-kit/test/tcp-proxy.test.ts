import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { after, it } from 'node:test';
import { startTcpProxy } from '@chat/test-kit';

const servers: Server[] = [];
after(() => servers.forEach((server) => server.close()));

async function backend(name: string): Promise<number> {
  const server = createServer((_request, response) => response.end(name));
  server.keepAliveTimeout = 1;
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const get = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })).text();

it('balances new connections round robin and skips a backend that refuses', async () => {
  const proxy = await startTcpProxy([{ port: await backend('a') }, { port: 1 }, { port: await backend('b') }]);
  try {
    const answers = [await get(proxy.port), await get(proxy.port), await get(proxy.port)];
    assert.deepEqual(new Set(answers), new Set(['a', 'b']));
  } finally {
    await proxy.close();
  }
});

it('cuts a link and refuses new connections until restored', async () => {
  const proxy = await startTcpProxy([{ port: await backend('c') }]);
  try {
    assert.equal(await get(proxy.port), 'c');
    proxy.cut();
    await assert.rejects(get(proxy.port));
    proxy.restore();
    assert.equal(await get(proxy.port), 'c');
  } finally {
    await proxy.close();
  }
});

it('stalls a link without breaking it', async () => {
  const proxy = await startTcpProxy([{ port: await backend('d') }]);
  try {
    proxy.stall();
    const answer = get(proxy.port);
    const early = await Promise.race([answer, new Promise((resolve) => setTimeout(() => resolve('stalled'), 300))]);
    assert.equal(early, 'stalled');
    proxy.restore();
    assert.equal(await answer, 'd');
  } finally {
    await proxy.close();
  }
});
