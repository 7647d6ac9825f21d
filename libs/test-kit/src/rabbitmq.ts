import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect } from 'amqplib';

const execFileAsync = promisify(execFile);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** RabbitMQ for tests: the machine's, or the one `AMQP_URL` names. */
export function amqpUrl(): string {
  return process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
}

/**
 * An exchange name no other test run uses. Event-bus queues are named after their exchange, so a
 * unique exchange isolates a test's queues too.
 */
export function uniqueExchange(prefix = 'test'): string {
  return `${prefix}.${Date.now().toString(36)}.${randomBytes(4).toString('hex')}`;
}

/**
 * The queues the event bus declares for one consumer under an exchange: main, retry and dead-letter
 * (`<exchange>.<consumer>`, `.retry.N`, `.dlq`). Retry queues up to `maxRetries` are included:
 * deleting one that was never declared is harmless.
 */
export function busQueuesOf(exchange: string, consumers: readonly string[], maxRetries = 10): string[] {
  return consumers.flatMap((consumer) => {
    const main = `${exchange}.${consumer}`;
    return [main, `${main}.dlq`, ...Array.from({ length: maxRetries }, (_, index) => `${main}.retry.${index + 1}`)];
  });
}

/**
 * Deletes what a test declared on the broker: the given queues, the queues of the given event-bus
 * consumers, and the exchange. Missing ones are fine (RabbitMQ deletes idempotently).
 */
export async function deleteAmqpTopology({
  exchange,
  consumers = [],
  queues = [],
  url = amqpUrl(),
}: {
  exchange?: string;
  consumers?: readonly string[];
  queues?: readonly string[];
  url?: string;
}): Promise<void> {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    const all = [...queues, ...(exchange ? busQueuesOf(exchange, consumers) : [])];
    for (const queue of all) await channel.deleteQueue(queue);
    if (exchange) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Runs `rabbitmqctl` on the machine's broker (vhosts for a test, stopping it in fault tests). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

/**
 * True when `AMQP_URL` is this machine's broker and `rabbitmqctl` manages it; false when the tests
 * run against a broker elsewhere (a container), which tests that need rabbitmqctl then skip.
 */
export async function canControlBroker(): Promise<boolean> {
  const url = new URL(amqpUrl());
  if (!LOOPBACK.has(url.hostname) || (url.port !== '' && url.port !== '5672')) return false;
  try {
    await execFileAsync('rabbitmqctl', ['--quiet', 'ping'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
