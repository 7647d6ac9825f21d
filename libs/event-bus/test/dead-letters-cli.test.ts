import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EventEnvelope } from '@chat/contracts';
import { silentLogger } from '@chat/telemetry';
import { amqpUrl, deleteAmqpTopology, uniqueExchange, waitFor } from '@chat/test-kit';
import { createRabbitBus } from '../src/index.ts';
import { messageRead } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../src/dead-letters-cli.ts', import.meta.url));

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('dead-letters-cli', () => {
  it('lists and replays the dead letters of a consumer as JSON', async () => {
    const exchange = uniqueExchange('bus-cli');
    const env = { AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: exchange };
    const bus = await createRabbitBus({ url: amqpUrl(), exchange, logger: silentLogger() });
    try {
      let accept = false;
      const handled: string[] = [];
      await bus.consume({
        name: 'audit',
        patterns: ['message.read'],
        retryDelaysMs: [],
        handle: async (event) => {
          if (!accept) throw new Error('audit store offline');
          handled.push(event.id);
        },
      });
      const events = [messageRead(1), messageRead(2)];
      await bus.publish(events);
      await waitFor(async () => (await bus.listDeadLetters('audit')).length === 2, { what: 'two dead letters' });

      const listed = await runCli(['list', 'audit'], env);
      assert.equal(listed.code, 0, listed.stderr);
      const list = JSON.parse(listed.stdout) as { exchange: string; consumer: string; count: number; deadLetters: { event: EventEnvelope; error: string }[] };
      assert.equal(list.exchange, exchange);
      assert.equal(list.consumer, 'audit');
      assert.equal(list.count, 2);
      assert.deepEqual(new Set(list.deadLetters.map((letter) => letter.event.id)), new Set(events.map((event) => event.id)));
      assert.ok(list.deadLetters.every((letter) => letter.error === 'audit store offline'));

      const limited = await runCli(['list', 'audit', '1'], env);
      assert.equal((JSON.parse(limited.stdout) as { count: number }).count, 1);

      accept = true;
      const replayed = await runCli(['replay', 'audit'], env);
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.deepEqual(JSON.parse(replayed.stdout), { exchange, consumer: 'audit', replayed: 2 });
      await waitFor(async () => handled.length === 2, { what: 'the replayed events' });
      assert.equal((await bus.listDeadLetters('audit')).length, 0);
    } finally {
      await bus.close();
      await deleteAmqpTopology({ exchange, consumers: ['audit'] });
    }
  });

  it('answers a wrong command with its usage and exit code 2', async () => {
    const result = await runCli(['purge', 'audit'], { AMQP_URL: amqpUrl() });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: dead-letters-cli.ts list <consumer>/);
    assert.equal(result.stdout, '');
  });
});
