import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';

/**
 * The machine's PostgreSQL, RabbitMQ and Redis are shared: fault tests stop and start them under
 * an exclusive `flock` on this file. The bench measures under a shared lock on it, one step at a
 * time, so that no figure is taken across an outage and no outage waits for a whole run.
 */
const LOCK_FILE = process.env.SHARED_SERVICES_LOCK ?? '/tmp/shared-services.lock';
const hasFlock = spawnSync('sh', ['-c', 'command -v flock'], { stdio: 'ignore' }).status === 0;

export async function underSharedLock<T>(work: () => Promise<T>): Promise<T> {
  if (!hasFlock || process.env.BENCH_NO_LOCK === '1') return work();
  // flock holds the lock while `cat` waits on its input; ending the input releases it.
  const holder = spawn('flock', ['-s', LOCK_FILE, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(holder, 'exit');
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('error', reject);
    void exited.then(() => reject(new Error(`flock on ${LOCK_FILE} ended before the lock was taken`)));
  });
  try {
    return await work();
  } finally {
    holder.stdin.end();
    await exited;
  }
}
