import { connect } from 'node:net';

/**
 * Where the tests find PostgreSQL, RabbitMQ and Redis: the URLs in the environment when set; else
 * containers started by testcontainers when a Docker engine answers; else the machine's own
 * services on their standard ports when they answer. Anything else fails with a message naming
 * what is missing.
 */
interface Dependency {
  variable: 'DATABASE_URL' | 'AMQP_URL' | 'REDIS_URL';
  localUrl: string;
  port: number;
}

const DEPENDENCIES: Dependency[] = [
  { variable: 'DATABASE_URL', localUrl: 'postgres://postgres@127.0.0.1:5432/postgres', port: 5432 },
  { variable: 'AMQP_URL', localUrl: 'amqp://guest:guest@127.0.0.1:5672', port: 5672 },
  { variable: 'REDIS_URL', localUrl: 'redis://127.0.0.1:6379', port: 6379 },
];

function answers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export interface TestServices {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function resolveTestServices(): Promise<TestServices> {
  const missing = DEPENDENCIES.filter((dependency) => !process.env[dependency.variable]);
  const env: Record<string, string> = {};
  if (missing.length === 0) return { env, stop: async () => {} };

  if (await dockerAnswers()) return startContainers(missing);

  const unreachable: string[] = [];
  for (const dependency of missing) {
    if (await answers(dependency.port)) env[dependency.variable] = dependency.localUrl;
    else unreachable.push(`${dependency.variable} is not set, no Docker engine answers, and nothing listens on 127.0.0.1:${dependency.port}`);
  }
  if (unreachable.length > 0) {
    throw new Error(`The tests need real PostgreSQL, RabbitMQ and Redis:\n- ${unreachable.join('\n- ')}`);
  }
  return { env, stop: async () => {} };
}

async function startContainers(missing: Dependency[]): Promise<TestServices> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const started: { stop(): Promise<unknown> }[] = [];
  const env: Record<string, string> = {};
  for (const dependency of missing) {
    if (dependency.variable === 'DATABASE_URL') {
      const container = await new GenericContainer('postgres:17-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      started.push(container);
      env.DATABASE_URL = `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    } else if (dependency.variable === 'AMQP_URL') {
      const container = await new GenericContainer('rabbitmq:4-alpine')
        .withExposedPorts(5672)
        .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
        .start();
      started.push(container);
      env.AMQP_URL = `amqp://guest:guest@${container.getHost()}:${container.getMappedPort(5672)}`;
    } else {
      const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      started.push(container);
      env.REDIS_URL = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
    }
  }
  return {
    env,
    stop: async () => {
      await Promise.all(started.map((container) => container.stop()));
    },
  };
}
