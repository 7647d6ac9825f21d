/**
 * Real outages of the machine's shared PostgreSQL, RabbitMQ and Redis for fault tests, taken under
 * the machine's lock so that nobody else's run meets them unprepared: `flock -x
 * /tmp/shared-services.lock` around stop, a pause and start, in a child shell that ignores
 * interrupts, so the service is started again even if the test process dies half-way.
 */
import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { postgresAdminUrl } from './postgres.ts';
import { waitFor } from './process.ts';
import { canControlBroker } from './rabbitmq.ts';
import { redisUrl } from './redis.ts';

const execFileAsync = promisify(execFile);

export const SHARED_SERVICES_LOCK = '/tmp/shared-services.lock';
/** How long a run waits for others to release the machine's services. */
const LOCK_WAIT_SEC = 150;

export type SharedService = 'rabbitmq' | 'redis' | 'postgres';

const PG_CLUSTER = '$(ls /etc/postgresql | sort -V | tail -n 1) main';
const REDIS_START =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

const COMMANDS: Record<SharedService, { stop: string; start: string; port: number }> = {
  rabbitmq: { stop: 'rabbitmqctl stop_app', start: 'rabbitmqctl start_app', port: 5672 },
  redis: { stop: 'redis-cli -p 6379 shutdown nosave', start: REDIS_START, port: 6379 },
  postgres: {
    stop: `pg_ctlcluster --skip-systemctl-redirect ${PG_CLUSTER} stop -m fast`,
    start: `pg_ctlcluster --skip-systemctl-redirect ${PG_CLUSTER} start`,
    port: 5432,
  },
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function isLocal(url: string, port: number): boolean {
  const parsed = new URL(url);
  return LOOPBACK.has(parsed.hostname) && (parsed.port === '' || Number(parsed.port) === port);
}

async function hasCommand(name: string): Promise<boolean> {
  return execFileAsync('sh', ['-c', `command -v ${name}`]).then(
    () => true,
    () => false,
  );
}

/**
 * Whether this run may stop and start the service: the tests use the machine's own (not a
 * container or a remote one) and its control commands are here.
 */
export async function canRestartSharedService(service: SharedService): Promise<boolean> {
  if (!(await hasCommand('flock'))) return false;
  switch (service) {
    case 'rabbitmq':
      return canControlBroker();
    case 'redis':
      return isLocal(redisUrl(), 6379) && (await hasCommand('redis-server')) && (await hasCommand('redis-cli'));
    case 'postgres':
      return isLocal(postgresAdminUrl(), 5432) && (await hasCommand('pg_ctlcluster'));
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', timeout: 1_000 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export interface Outage {
  /** Resolves when the stop command has returned: the service is down from then on. */
  stopped: Promise<number>;
  /** Resolves when the start command has returned and the service's port answers again. */
  over: Promise<number>;
}

/**
 * Stops the service, keeps it down for `holdMs`, starts it again. `stopped` and `over` carry the
 * times (Date.now()) at which the service went down and came back.
 */
export function restartSharedService(service: SharedService, holdMs: number): Outage {
  const { stop, start, port } = COMMANDS[service];
  const script = [
    // Ignored interrupts are inherited by `sleep`: nothing short of SIGKILL skips the start.
    "trap '' INT TERM HUP",
    `${stop} >/dev/null 2>&1`,
    'echo stopped',
    `sleep ${(holdMs / 1000).toFixed(3)}`,
    `${start} >/dev/null 2>&1 || ${start}`,
    'echo started',
  ].join('\n');
  // `-o`: the lock stays with flock itself; a daemon the start command leaves running (postgres,
  // redis-server) must not inherit it, or the lock would be held for as long as that daemon lives.
  const child = spawn('flock', ['-o', '-x', '-w', String(LOCK_WAIT_SEC), SHARED_SERVICES_LOCK, 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let markStopped: (at: number) => void = () => {};
  let failToStop: (error: Error) => void = () => {};
  const stopped = new Promise<number>((resolve, reject) => {
    markStopped = resolve;
    failToStop = reject;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('stopped')) markStopped(Date.now());
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const over = (async () => {
    const code = await exited;
    const startedAt = Date.now();
    if (!output.includes('stopped')) {
      const error = new Error(`${service} was not stopped (exit ${code}${code === 1 ? ': the lock was not free in time' : ''}): ${output}`);
      failToStop(error);
      throw error;
    }
    // Whatever happened in the child, the service must be back: start it again if it is not.
    if (!(await portOpen(port))) await execFileAsync('bash', ['-c', start]).catch(() => undefined);
    await waitFor(() => portOpen(port), { timeoutMs: 60_000, what: `${service} to listen again` });
    return startedAt;
  })();
  // Whoever awaits only one of them still hears of a failure through it.
  stopped.catch(() => undefined);
  over.catch(() => undefined);
  return { stopped, over };
}
