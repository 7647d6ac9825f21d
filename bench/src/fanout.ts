import { randomBytes } from 'node:crypto';
import { nowMs, sleep } from './clock.ts';
import type { SocketFleet, Sender } from './load.ts';
import { distributionOf, type Distribution } from './samples.ts';
import type { Scrape } from './prom.ts';
import type { Target } from './targets.ts';
import { underSharedLock } from './shared-lock.ts';
import { measureWindow, type WindowUsage } from './usage.ts';
import type { SocketPlan } from './workers/protocol.ts';

export interface StepOptions {
  rate: number;
  durationMs: number;
  contentLength: number;
  /** How long deliveries may keep coming with no progress before the rest count as lost. */
  drainQuietMs: number;
  /** At most this long after the last answer. */
  drainMaxMs: number;
}

/** One rate of one target: what was sent, what arrived, how fast, and what it cost. */
export interface StepResult {
  target: Target['name'];
  rate: number;
  durationMs: number;
  planned: number;
  sent: number;
  acked: number;
  failures: Record<string, number>;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  strays: number;
  disconnects: number;
  /** Due-to-receipt, ms, over every distinct delivery. */
  latency: Distribution;
  /** Due-to-acknowledgement of the REST send, ms. */
  ack: Distribution;
  deliveriesPerSecond: number;
  maxSendLagMs: number;
  usage: WindowUsage;
  /** The services' metrics before and after (the system only). */
  metrics?: { before: Record<string, Scrape>; after: Record<string, Scrape> };
  clean: boolean;
}

export const P99_LIMIT_MS = 100;

export function isClean(step: Pick<StepResult, 'planned' | 'acked' | 'lost' | 'duplicates' | 'latency'>): boolean {
  return step.acked === step.planned && step.lost === 0 && step.duplicates === 0 && step.latency.p99 <= P99_LIMIT_MS;
}

/**
 * The sockets of a fan-out: every member of every room, dealt over the replicas so that each room
 * has members on each of them.
 */
export function socketPlans(target: Target): SocketPlan[] {
  return target.rooms.flatMap((room, roomIndex) =>
    room.memberTokens.map((token, member) => ({
      url: target.replicas[(roomIndex + member) % target.replicas.length]!,
      token,
      channelId: room.channelId,
    })),
  );
}

/** Runs one open-loop step and waits for its deliveries to arrive (or stop arriving). */
export async function runStep(target: Target, fleet: SocketFleet, sender: Sender, options: StepOptions): Promise<StepResult> {
  const step = `${target.name}-${options.rate}-${randomBytes(3).toString('hex')}`;
  const fanout = target.rooms[0]?.memberTokens.length ?? 0;
  await fleet.begin(step);
  const before = await target.scrape();
  const window = await measureWindow([...target.groups, fleet.group(), sender.group()]);

  const sent = await sender.run({
    step,
    rate: options.rate,
    durationMs: options.durationMs,
    replicas: target.replicas,
    rooms: target.rooms.map((room) => ({ channelId: room.channelId, senderTokens: room.memberTokens })),
    contentLength: options.contentLength,
  });
  const expected = sent.acked * fanout;
  const answeredAt = nowMs();
  let lastCount = -1;
  let lastProgressAt = nowMs();
  for (;;) {
    const count = await fleet.deliveries();
    if (count >= expected) break;
    if (count !== lastCount) {
      lastCount = count;
      lastProgressAt = nowMs();
    }
    if (nowMs() - lastProgressAt > options.drainQuietMs || nowMs() - answeredAt > options.drainMaxMs) break;
    await sleep(50);
  }
  const usage = await window.stop();
  const after = await target.scrape();
  const receipts = await fleet.collect();

  // Distinct sockets per message, over every client process; a delivery of a message the
  // service did not acknowledge counts as delivered but not towards `expected`.
  const perMessage = new Uint32Array(sent.planned);
  for (const receipt of receipts) receipt.perMessage.forEach((count, n) => n < perMessage.length && (perMessage[n] = perMessage[n]! + count));
  let lost = 0;
  let delivered = 0;
  perMessage.forEach((count, n) => {
    delivered += count;
    if (sent.ackedFlags[n] === 1) lost += Math.max(0, fanout - count);
  });
  const latency = distributionOf(...receipts.map((receipt) => receipt.latencies));
  const lastReceiptAt = Math.max(...receipts.map((receipt) => receipt.lastReceiptAt));
  const result: StepResult = {
    target: target.name,
    rate: options.rate,
    durationMs: options.durationMs,
    planned: sent.planned,
    sent: sent.sent,
    acked: sent.acked,
    failures: sent.failures,
    expected,
    delivered,
    lost,
    duplicates: receipts.reduce((sum, receipt) => sum + receipt.duplicates, 0),
    strays: receipts.reduce((sum, receipt) => sum + receipt.strays, 0),
    disconnects: receipts.reduce((sum, receipt) => sum + receipt.disconnects, 0),
    latency,
    ack: distributionOf(sent.ackLatencies),
    deliveriesPerSecond: lastReceiptAt > sent.startedAt ? (delivered * 1_000) / (lastReceiptAt - sent.startedAt) : 0,
    maxSendLagMs: sent.maxSendLagMs,
    usage,
    ...(Object.keys(before).length > 0 ? { metrics: { before, after } } : {}),
    clean: false,
  };
  result.clean = isClean(result);
  return result;
}

export interface SweepOptions extends Omit<StepOptions, 'rate'> {
  /** Rates to run, in order; the search stops early and refines when `search` is set. */
  rates: number[];
  /**
   * Stop after this many failing steps in a row, then try rates between the last clean one
   * and the first failing one (`refine` times), to place the headline more precisely; with no
   * clean step, first halve down from the lowest rate until one is.
   */
  search: { stopAfterFailures: number; refine: number; granularity: number } | null;
  settleMs: number;
  log(line: string): void;
}

/** Below this, a rate says too little about a fan-out to be worth a step. */
const MIN_SEARCH_RATE = 25;

/** Steps of increasing rate; answers them sorted by rate. */
export async function sweep(target: Target, fleet: SocketFleet, sender: Sender, options: SweepOptions): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const run = async (rate: number) => {
    const result = await underSharedLock(() => runStep(target, fleet, sender, { ...options, rate }));
    options.log(summaryLine(result));
    results.push(result);
    await sleep(options.settleMs);
    return result;
  };
  let failuresInARow = 0;
  for (const rate of options.rates) {
    const result = await run(rate);
    failuresInARow = result.clean ? 0 : failuresInARow + 1;
    if (options.search && failuresInARow >= options.search.stopAfterFailures) break;
  }
  if (options.search) {
    // Nothing clean on the ladder: halve down from its lowest rate until one is.
    for (let rate = Math.min(...results.map((step) => step.rate)) / 2; rate >= MIN_SEARCH_RATE && !results.some((step) => step.clean); rate /= 2) {
      await run(Math.round(rate));
    }
    for (let round = 0; round < options.search.refine; round++) {
      const sorted = [...results].sort((a, b) => a.rate - b.rate);
      const firstFailing = sorted.find((step) => !step.clean);
      const lastClean = [...sorted].reverse().find((step) => step.clean && (!firstFailing || step.rate < firstFailing.rate));
      if (!firstFailing || !lastClean) break;
      const middle = Math.round((lastClean.rate + firstFailing.rate) / 2 / options.search.granularity) * options.search.granularity;
      if (middle <= lastClean.rate || middle >= firstFailing.rate) break;
      await run(middle);
    }
  }
  return results.sort((a, b) => a.rate - b.rate);
}

export function summaryLine(step: StepResult): string {
  const f = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');
  return (
    `${step.target} ${step.rate}/s: sent ${step.sent} acked ${step.acked} delivered ${step.delivered}/${step.expected} lost ${step.lost} dup ${step.duplicates}` +
    ` p50 ${f(step.latency.p50)} p95 ${f(step.latency.p95)} p99 ${f(step.latency.p99)} max ${f(step.latency.max)} ms` +
    ` ${Math.round(step.deliveriesPerSecond)} deliveries/s ${step.clean ? 'clean' : 'NOT clean'}`
  );
}

/** The headline: the highest rate run clean. */
export function highestCleanRate(steps: StepResult[]): StepResult | undefined {
  return steps.filter((step) => step.clean).sort((a, b) => b.rate - a.rate)[0];
}
