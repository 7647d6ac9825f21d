import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  kernel: string;
  date: string;
  postgres: string;
  rabbitmq: string;
  redis: string;
}

async function firstLine(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

/** What the figures came from: they mean nothing without it. */
export async function describeMachine(versions: Partial<Pick<Machine, 'postgres' | 'rabbitmq' | 'redis'>> = {}): Promise<Machine> {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: (await firstLine('/proc/sys/kernel/osrelease')) || 'unknown',
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    postgres: versions.postgres ?? 'unknown',
    rabbitmq: versions.rabbitmq ?? 'unknown',
    redis: versions.redis ?? 'unknown',
  };
}

/** Versions of the servers the system runs on, asked of the servers themselves. */
export async function serverVersions(urls: { postgres: string; amqp: string; redis: string }): Promise<Pick<Machine, 'postgres' | 'rabbitmq' | 'redis'>> {
  const [{ default: pg }, { connect }, { Redis }] = await Promise.all([import('pg'), import('amqplib'), import('ioredis')]);
  const ask = async (what: () => Promise<string>) => what().catch(() => 'unknown');
  return {
    postgres: await ask(async () => {
      const client = new pg.Client({ connectionString: urls.postgres });
      await client.connect();
      try {
        return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
      } finally {
        await client.end();
      }
    }),
    rabbitmq: await ask(async () => {
      const connection = await connect(urls.amqp);
      try {
        const properties = (connection as unknown as { connection: { serverProperties?: { version?: string } } }).connection.serverProperties;
        return String(properties?.version ?? 'unknown');
      } finally {
        await connection.close();
      }
    }),
    redis: await ask(async () => {
      const redis = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
      } finally {
        redis.disconnect();
      }
    }),
  };
}
