/**
 * `npm run bench`: fan-out throughput and latency of the system and of the floor under it, in one
 * run on this machine, then how many idle sockets one gateway process holds. Prints the tables
 * and writes them, with the machine they came from, into bench/README.md.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCapacity, type CapacityResult } from './capacity.ts';
import { openFileLimit } from './fd-limit.ts';
import { DEFAULT_LADDER, parseOptions } from './options.ts';
import { describeMachine, serverVersions } from './machine.ts';
import { amqpUrl, postgresAdminUrl, redisUrl } from '@chat/test-kit';
import { renderReport, updateReadme } from './report.ts';
import { runTarget } from './run-target.ts';
import { underSharedLock } from './shared-lock.ts';
import type { StepResult, SweepOptions } from './fanout.ts';
import { startFloorTarget, startSystemTarget } from './targets.ts';

const options = parseOptions(process.argv.slice(2));
const fileLimit = openFileLimit();
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const layout = {
  channels: options.channels,
  membersPerChannel: options.membersPerChannel,
  ...(options.profileDir ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(options.profileDir)}` } } : {}),
};
const started = Date.now();
const machine = await describeMachine(await serverVersions({ postgres: postgresAdminUrl(), amqp: amqpUrl(), redis: redisUrl() }));
log(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, open files per process ${fileLimit}`);
if (options.capacity + 1_000 > fileLimit) log(`the gateway may not hold ${options.capacity} sockets: a process may open ${fileLimit} files (ulimit -Hn)`);

const sweepOptions: SweepOptions = {
  rates: options.rates ?? DEFAULT_LADDER,
  durationMs: options.durationMs,
  contentLength: 64,
  drainQuietMs: 3_000,
  drainMaxMs: 20_000,
  settleMs: 2_000,
  search: options.rates ? null : { stopAfterFailures: 2, refine: 2, granularity: 50 },
  log,
};

// The targets' processes are not this one's children for good: should the run fail or be
// interrupted, they are stopped (and their databases dropped) before it exits.
const running = new Set<{ stop(): Promise<void> }>();
let aborting = false;
const abort = (reason: unknown) => {
  if (aborting) return;
  aborting = true;
  console.error('bench failed:', reason);
  void Promise.allSettled([...running].map((target) => target.stop())).then(() => process.exit(1));
};
process.on('uncaughtException', abort);
process.on('unhandledRejection', abort);
process.once('SIGINT', () => abort('interrupted'));
process.once('SIGTERM', () => abort('terminated'));

async function withTarget<T extends { stop(): Promise<void> }>(start: () => Promise<T>, use: (target: T) => Promise<void>): Promise<void> {
  const target = await underSharedLock(start);
  running.add(target);
  try {
    await use(target);
  } finally {
    running.delete(target);
    await target.stop();
  }
}

const steps: StepResult[] = [];
let capacity: CapacityResult | null = null;
if (options.targets.includes('floor')) {
  await withTarget(() => startFloorTarget(layout), async (floor) => {
    steps.push(...(await runTarget(floor, sweepOptions)));
  });
}
if (options.targets.includes('system')) {
  await withTarget(() => startSystemTarget(layout), async (system) => {
    steps.push(...(await runTarget(system, sweepOptions)));
    if (options.capacity > 0) capacity = await underSharedLock(() => runCapacity(system, options.capacity, log));
  });
}

const report = renderReport({ machine, steps, capacity, options, elapsedMs: Date.now() - started });
console.log(`\n${report.console}`);
if (options.readme) {
  await updateReadme(options.readme, report.markdown);
  log(`figures written to ${options.readme}`);
}
if (options.json) await writeFile(options.json, JSON.stringify({ machine, steps, capacity }, (_key, value: unknown) => (ArrayBuffer.isView(value) ? undefined : value), 2));
process.exit(0);
