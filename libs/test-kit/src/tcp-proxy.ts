import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface TcpProxy {
  port: number;
  /** Cuts every open connection and refuses new ones until `restore`. */
  cut(): void;
  /** Holds every byte in both directions until `restore` (a stalled link, not a broken one). */
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of one or more backends, for fault tests and as a load
 * balancer: each new connection goes to the next backend that accepts it (round robin), so a
 * client whose backend died reconnects to another, as behind a real load balancer.
 */
export async function startTcpProxy(backends: { host?: string; port: number }[]): Promise<TcpProxy> {
  let state: 'open' | 'cut' | 'stalled' = 'open';
  let next = 0;
  const pairs = new Set<[Socket, Socket]>();

  const dial = (attempt: number, client: Socket): void => {
    if (attempt >= backends.length) {
      client.destroy();
      return;
    }
    const backend = backends[next++ % backends.length]!;
    const upstream = connect({ host: backend.host ?? '127.0.0.1', port: backend.port });
    // A backend that refuses (a dead replica) is skipped for the next one.
    let connected = false;
    upstream.once('error', () => {
      if (!connected) dial(attempt + 1, client);
    });
    upstream.once('connect', () => {
      connected = true;
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      // After pipe(), which would resume the streams.
      if (state === 'stalled') {
        client.pause();
        upstream.pause();
      }
      const end = () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
  };

  const server: Server = createServer((client) => {
    client.on('error', () => client.destroy());
    if (state === 'cut') {
      client.destroy();
      return;
    }
    dial(0, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const proxy: TcpProxy = {
    port,
    cut() {
      state = 'cut';
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    stall() {
      state = 'stalled';
      for (const [client, upstream] of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      state = 'open';
      for (const [client, upstream] of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    async close() {
      proxy.cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return proxy;
}
