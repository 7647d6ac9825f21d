/**
 * Operator command for a consumer's dead letters, printing JSON on stdout:
 *
 *   node libs/event-bus/src/dead-letters-cli.ts list <consumer> [limit]
 *   node libs/event-bus/src/dead-letters-cli.ts replay <consumer>
 *
 * The broker is `AMQP_URL` (default amqp://guest:guest@127.0.0.1:5672), the exchange
 * `EVENTS_EXCHANGE` (default chat.events). Failures are reported on stderr with a non-zero exit.
 */
import { silentLogger } from '@chat/telemetry';
import { DEFAULT_EXCHANGE, createRabbitBus } from './rabbit-bus.ts';

const USAGE = 'usage: dead-letters-cli.ts list <consumer> [limit] | replay <consumer>';

async function main(argv: string[]): Promise<number> {
  const [command, consumer, limitText] = argv;
  if ((command !== 'list' && command !== 'replay') || !consumer) {
    console.error(USAGE);
    return 2;
  }
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    console.error(`limit must be a positive integer: ${limitText}\n${USAGE}`);
    return 2;
  }
  const exchange = process.env.EVENTS_EXCHANGE || DEFAULT_EXCHANGE;
  const bus = await createRabbitBus({
    url: process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
    exchange,
    // stdout carries the JSON answer only; a failure surfaces as the error below.
    logger: silentLogger(),
    connectTimeoutMs: 10_000,
  });
  try {
    if (command === 'list') {
      const deadLetters = await bus.listDeadLetters(consumer, limit);
      console.log(JSON.stringify({ exchange, consumer, count: deadLetters.length, deadLetters }, null, 2));
    } else {
      const replayed = await bus.replayDeadLetters(consumer);
      console.log(JSON.stringify({ exchange, consumer, replayed }));
    }
    return 0;
  } finally {
    await bus.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
