import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { redisUrl, startServiceProcess, type StartedProcess } from '@chat/test-kit';

const FLOOR_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');

export interface Floor {
  replicas: StartedProcess[];
  stop(): Promise<void>;
}

/** N floor replicas sharing one Redis adapter channel of their own. */
export async function startFloor(replicas = 2, extraEnv: Record<string, string> = {}): Promise<Floor> {
  const env = { REDIS_URL: redisUrl(), FLOOR_KEY: `bench-floor-${randomBytes(4).toString('hex')}`, ...extraEnv };
  const started = await Promise.all(Array.from({ length: replicas }, () => startServiceProcess(FLOOR_ENTRY, env)));
  return {
    replicas: started,
    async stop() {
      await Promise.allSettled(started.map((replica) => replica.kill('SIGTERM')));
    },
  };
}
