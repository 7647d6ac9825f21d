import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '@chat/telemetry';
import { markDraining } from './state.ts';

export interface ServeOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Runs once in-flight requests are done (or the drain timed out): close pools, consumers, ... */
  onShutdown?: () => Promise<void>;
  /**
   * Runs as soon as the server stops accepting, before the drain: for connections that never end
   * on their own (Socket.IO long-polls and websockets) and would otherwise hold the drain.
   */
  onDraining?: () => void | Promise<void>;
  /**
   * SIGTERM/SIGINT close the server and exit the process. On by default; off where one process
   * hosts several apps and wires the signals once for all of them (`onShutdownSignal`).
   */
  handleSignals?: boolean;
  /** How long in-flight requests may take to finish after shutdown begins; default 10 s. */
  drainTimeoutMs?: number;
}

export interface RunningServer {
  server: Server;
  /** The port bound, useful when asked for port 0. */
  port: number;
  /** Graceful shutdown; idempotent, resolves when everything is closed. */
  close(): Promise<void>;
}

/** Starts the app; `close()` drains it: stop accepting, mark not ready, finish in-flight, clean up. */
export async function serve(app: Express, options: ServeOptions): Promise<RunningServer> {
  const server = createServer(app);
  const sockets = new Set<Socket>();
  const inFlight = new InFlight();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (_req, res) => {
    inFlight.add();
    res.once('close', () => inFlight.done());
  });

  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  options.logger.info({ port, host: options.host }, 'listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      markDraining(app);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await options.onDraining?.();
      const drained = await inFlight.settled(options.drainTimeoutMs ?? 10_000);
      if (!drained) options.logger.warn({ inFlight: inFlight.count }, 'drain timed out; closing the remaining requests');
      server.closeAllConnections();
      try {
        await options.onShutdown?.();
      } finally {
        // Whatever is left (upgraded connections nobody closed) must not keep the process alive.
        for (const socket of sockets) socket.destroy();
        await closed;
        stopSignals?.();
      }
    })();
    return closing;
  };

  const stopSignals = options.handleSignals === false ? undefined : onShutdownSignal(close, options.logger, (options.drainTimeoutMs ?? 10_000) + 10_000);
  return { server, port, close };
}

/**
 * Wires SIGTERM and SIGINT to `shutdown`, then exits 0 (1 if it failed or took longer than
 * `hardLimitMs`). A second signal exits at once. Returns a function that unwires them.
 */
export function onShutdownSignal(shutdown: () => Promise<void>, logger: Logger, hardLimitMs = 20_000): () => void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ hardLimitMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, hardLimitMs).unref();
    shutdown().then(
      () => {
        logger.info('shut down');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

/** Counts requests still being answered, and tells when there are none. */
class InFlight {
  count = 0;
  private waiters: (() => void)[] = [];

  add(): void {
    this.count += 1;
  }

  done(): void {
    this.count -= 1;
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** `true` once none are left, `false` if some still are after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const empty = new Promise<boolean>((resolve) => this.waiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, false);
    });
    try {
      return await Promise.race([empty, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
