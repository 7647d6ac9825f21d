import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Request and answer between the coordinator and a worker process over Node's IPC channel, with
 * structured-clone serialisation so typed arrays of samples cross as they are.
 */
interface Envelope {
  id: number;
  body?: unknown;
  error?: string;
}

export interface WorkerHandle<Command, Answer> {
  pid: number;
  child: ChildProcess;
  request(command: Command, timeoutMs?: number): Promise<Answer>;
  stop(): Promise<void>;
}

export async function startWorker<Command, Answer>(entry: string | URL, env: Record<string, string> = {}): Promise<WorkerHandle<Command, Answer>> {
  const child = fork(entry, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  await once(child, 'spawn');
  let nextId = 1;
  const pending = new Map<number, { resolve(value: Answer): void; reject(error: Error): void }>();
  child.on('message', (message: Envelope) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.body as Answer);
  });
  child.on('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`worker ${String(entry)} exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    pid: child.pid!,
    child,
    request(command, timeoutMs = 120_000) {
      const id = nextId++;
      return new Promise<Answer>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker ${String(entry)} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => (clearTimeout(timer), resolve(value)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        child.send({ id, body: command } satisfies Envelope);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The worker's side: answers each command with `handle`'s result, or its error's message. */
export function serveCommands<Command, Answer>(handle: (command: Command) => Promise<Answer>): void {
  process.on('message', (message: Envelope) => {
    handle(message.body as Command).then(
      (body) => process.send?.({ id: message.id, body } satisfies Envelope),
      (error: unknown) => process.send?.({ id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies Envelope),
    );
  });
  // The coordinator gone, nothing is left to report to.
  process.on('disconnect', () => process.exit(0));
}
