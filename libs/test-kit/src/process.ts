import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export interface StartedProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** What the process wrote, for diagnosing a failed start. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A free TCP port on loopback, picked by the kernel. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * Starts a service entry point as its own Node process on a free port and waits until its
 * `/readyz` answers 200.
 */
export async function startServiceProcess(
  entry: string,
  env: Record<string, string | undefined>,
  { timeoutMs = 30_000, port: wantedPort }: { timeoutMs?: number; port?: number } = {},
): Promise<StartedProcess> {
  const port = wantedPort ?? (await freePort());
  let output = '';
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const started: StartedProcess = {
    child,
    url,
    port,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output}`);
        const response = await fetch(`${url}/readyz`);
        return response.status === 200;
      },
      { timeoutMs, what: `${entry} to be ready` },
    );
  } catch (error) {
    await started.kill('SIGKILL');
    throw new Error(`${String(error)}\n--- output of ${entry} ---\n${output}`, { cause: error });
  }
  return started;
}
