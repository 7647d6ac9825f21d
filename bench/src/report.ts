import { readFile, writeFile } from 'node:fs/promises';
import type { CapacityResult } from './capacity.ts';
import { highestCleanRate, P99_LIMIT_MS, type StepResult } from './fanout.ts';
import type { Machine } from './machine.ts';
import type { BenchOptions } from './options.ts';
import { delta, histogramDelta, meanOf, quantileOf } from './prom.ts';

interface ReportInput {
  machine: Machine;
  steps: StepResult[];
  capacity: CapacityResult | null;
  options: BenchOptions;
  elapsedMs: number;
}

type Table = { head: string[]; rows: string[][] };

const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : '–');
const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');

function markdownTable({ head, rows }: Table): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function consoleTable({ head, rows }: Table): string {
  const widths = head.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ');
  return [line(head), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function fanoutTable(steps: StepResult[]): Table {
  return {
    head: ['target', 'rate/s', 'sent', 'acked', 'delivered / expected', 'lost', 'dup', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'ack p99 ms', 'deliveries/s', 'clean'],
    rows: steps.map((step) => [
      step.target,
      int(step.rate),
      int(step.sent),
      int(step.acked),
      `${int(step.delivered)} / ${int(step.expected)}`,
      int(step.lost),
      int(step.duplicates),
      ms(step.latency.p50),
      ms(step.latency.p95),
      ms(step.latency.p99),
      ms(step.latency.max),
      ms(step.ack.p99),
      int(step.deliveriesPerSecond),
      step.clean ? 'yes' : failureNote(step),
    ]),
  };
}

function failureNote(step: StepResult): string {
  const reasons: string[] = [];
  if (step.acked < step.planned) reasons.push(`${step.planned - step.acked} unacked ${JSON.stringify(step.failures)}`);
  if (step.lost > 0) reasons.push('lost');
  if (step.duplicates > 0) reasons.push('dup');
  if (step.latency.p99 > P99_LIMIT_MS) reasons.push('p99');
  return `no (${reasons.join(', ')})`;
}

/** CPU (% of one core) and peak resident memory of each process group, per rate. */
function usageTable(steps: StepResult[]): Table {
  const names = steps[0]?.usage.groups.map((group) => group.name) ?? [];
  return {
    head: ['rate/s', ...names, 'interrupts', 'steal', 'others', 'machine'],
    rows: steps.map((step) => [
      int(step.rate),
      ...step.usage.groups.map((group) => `${int(group.cpuPercent)}%${group.peakRssMb === null ? '' : ` ${int(group.peakRssMb)} MB`}`),
      `${int(step.usage.interruptPercent)}%`,
      `${int(step.usage.stealPercent)}%`,
      `${int(step.usage.otherPercent)}%`,
      `${int(step.usage.machinePercent)}% of ${step.usage.cores * 100}%`,
    ]),
  };
}

/** CPU microseconds per acknowledged message, each process of the target, and in all. */
function costTable(step: StepResult): Table {
  const working = step.usage.groups.filter((group) => group.kind !== 'load');
  const per = (cpuMs: number) => int((cpuMs * 1_000) / Math.max(1, step.acked));
  const total = working.reduce((sum, group) => sum + group.cpuMs, 0);
  return {
    head: ['process', 'CPU ms', 'µs per message'],
    rows: [...working.map((group) => [group.name, int(group.cpuMs), per(group.cpuMs)]), ['all of the above', int(total), per(total)]],
  };
}

export function costPerMessageUs(step: StepResult): number {
  const total = step.usage.groups.filter((group) => group.kind !== 'load').reduce((sum, group) => sum + group.cpuMs, 0);
  return (total * 1_000) / Math.max(1, step.acked);
}

/** Where a message's time goes, from the services' own histograms over one step. */
function stagesTable(step: StepResult): Table | null {
  if (!step.metrics) return null;
  const { before, after } = step.metrics;
  const gateways = Object.keys(after).filter((name) => name.startsWith('gateway'));
  const merged = (names: string[], metric: string, match: Record<string, string> = {}) => {
    const parts = names.map((name) => histogramDelta(before[name] ?? new Map(), after[name] ?? new Map<string, number>(), metric, match));
    const buckets = new Map<number, number>();
    for (const part of parts) for (const [bound, count] of part.buckets) buckets.set(bound, (buckets.get(bound) ?? 0) + count);
    return {
      count: parts.reduce((sum, part) => sum + part.count, 0),
      sum: parts.reduce((sum, part) => sum + part.sum, 0),
      buckets: [...buckets.entries()].sort(([a], [b]) => a - b),
    };
  };
  const row = (stage: string, histogram: ReturnType<typeof merged>, unit: 'seconds' | 'count' = 'seconds') =>
    unit === 'count'
      ? [stage, int(histogram.count), meanOf(histogram).toFixed(1), ms(quantileOf(histogram, 0.5)), ms(quantileOf(histogram, 0.99))]
      : [stage, int(histogram.count), ms(meanOf(histogram) * 1e3), ms(quantileOf(histogram, 0.5) * 1e3), ms(quantileOf(histogram, 0.99) * 1e3)];
  const send = { method: 'POST', route: '/api/chat/channels/:channelId/messages' };
  const rows = [
    row('gateway: REST send, proxied (ms)', merged(gateways, 'http_request_duration_seconds', { method: 'POST', route: '(unmatched)' })),
    row('messaging: POST /messages (ms)', merged(['messaging'], 'http_request_duration_seconds', send)),
    row('messaging: pool wait (ms)', merged(['messaging'], 'db_pool_wait_seconds')),
    row('messaging: transaction (ms)', merged(['messaging'], 'db_transaction_duration_seconds', { outcome: 'commit' })),
    row('outbox: commit to broker confirm (ms)', merged(['messaging'], 'outbox_lag_seconds')),
    row('outbox: publish confirm per batch (ms)', merged(['messaging'], 'outbox_publish_duration_seconds')),
    row('outbox: events per batch (count)', merged(['messaging'], 'outbox_batch_size'), 'count'),
    row('event to gateway handler (ms)', merged(gateways, 'event_delivery_lag_seconds', { consumer: 'realtime-gateway' })),
    row('gateway: handler, emit to room (ms)', merged(gateways, 'event_handler_duration_seconds', { consumer: 'realtime-gateway' })),
    row('event to channels handler (ms)', merged(['channels'], 'event_delivery_lag_seconds', { consumer: 'channels' })),
    row('channels: handler, per event (ms)', merged(['channels'], 'event_handler_duration_seconds', { consumer: 'channels' })),
    row('channels: events per batch (count)', merged(['channels'], 'event_batch_size', { consumer: 'channels', outcome: 'handled' }), 'count'),
    row('event to tickets handler (ms)', merged(['tickets'], 'event_delivery_lag_seconds', { consumer: 'tickets' })),
    row('tickets: handler, per event (ms)', merged(['tickets'], 'event_handler_duration_seconds', { consumer: 'tickets' })),
    row('tickets: events per batch (count)', merged(['tickets'], 'event_batch_size', { consumer: 'tickets', outcome: 'handled' }), 'count'),
  ];
  // pg_stat_database counts with a delay (it is sent at each session's transaction end), close enough over a step.
  for (const database of ['messaging', 'channels', 'tickets']) {
    const transactions = delta(before.postgresql ?? new Map(), after.postgresql ?? new Map(), 'pg_transactions_total', { database });
    rows.push([`pg: ${database} transactions per message`, int(transactions), (transactions / Math.max(1, step.acked)).toFixed(2), '', '']);
  }
  rows.push(['end to end, due to socket (ms, bench)', int(step.latency.count), ms(step.latency.mean), ms(step.latency.p50), ms(step.latency.p99)]);
  return { head: ['stage', 'count', 'mean', 'p50', 'p99'], rows };
}

function capacityTable(capacity: CapacityResult): Table {
  return {
    head: ['idle sockets asked', 'held', 'failed', 'connect s', 'gateway CPU while connecting', 'RSS before → after MB', 'RSS per socket', 'heap before → after MB', 'heap per socket', 'client processes'],
    rows: [
      [
        int(capacity.requested),
        int(capacity.held),
        int(capacity.failed),
        capacity.connectSeconds.toFixed(1),
        `${int(capacity.connectCpuPercent)}%`,
        `${int(capacity.rssBeforeMb)} → ${int(capacity.rssAfterMb)}`,
        `${capacity.rssPerSocketKb.toFixed(1)} KB`,
        `${int(capacity.heapBeforeMb)} → ${int(capacity.heapAfterMb)}`,
        `${capacity.heapPerSocketKb.toFixed(1)} KB`,
        String(capacity.clientProcesses),
      ],
    ],
  };
}

function headlineLines(steps: StepResult[]): string[] {
  const of = (target: StepResult['target']) => steps.filter((step) => step.target === target);
  const best = (target: StepResult['target']) => highestCleanRate(of(target));
  // Clean at the highest rate it was run at: its limit is further up, and the figure a lower bound.
  const unbounded = (target: StepResult['target'], step: StepResult | undefined) => step !== undefined && step.rate >= Math.max(...of(target).map((other) => other.rate));
  const describe = (name: string, target: StepResult['target'], step: StepResult | undefined) =>
    step
      ? `${name}: ${unbounded(target, step) ? 'at least ' : ''}${int(step.rate)} messages/s clean (${int(step.deliveriesPerSecond)} deliveries/s), p50 ${ms(step.latency.p50)} ms, p99 ${ms(step.latency.p99)} ms, ${int(costPerMessageUs(step))} µs CPU per message`
      : `${name}: no clean rate among those run`;
  const floor = best('floor');
  const system = best('system');
  const lines = [];
  if (of('floor').length > 0) lines.push(describe('Floor ', 'floor', floor));
  if (of('system').length > 0) lines.push(describe('System', 'system', system));
  if (floor && system) {
    const caveat = unbounded('floor', floor) || unbounded('system', system) ? ' (a limit was not reached: run without --rates for the real ratio)' : '';
    lines.push(`Ratio system / floor: ${(system.rate / floor.rate).toFixed(2)}×${caveat} (target ≥ 0.5×, stretch 0.7× with p50 ≤ 10 ms)`);
  }
  return lines;
}

export function renderReport(input: ReportInput): { console: string; markdown: string } {
  const { machine, steps, capacity } = input;
  const targets = [...new Set(steps.map((step) => step.target))];
  const systemBest = highestCleanRate(steps.filter((step) => step.target === 'system'));
  const costStep = systemBest ?? steps.filter((step) => step.target === 'system').at(0);
  const floorBest = highestCleanRate(steps.filter((step) => step.target === 'floor'));
  const machineLine = `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB; Node ${machine.node}; Linux ${machine.kernel}; PostgreSQL ${machine.postgres}, RabbitMQ ${machine.rabbitmq}, Redis ${machine.redis}; ${machine.date}`;
  const setup = `${input.options.channels} channels × ${input.options.membersPerChannel} sockets over 2 replicas, ${input.options.durationMs / 1_000} s per rate, open loop; clean = every send acknowledged, every delivery made once, p99 ≤ ${P99_LIMIT_MS} ms; run took ${Math.round(input.elapsedMs / 1_000)} s`;

  const sections: Array<{ title: string; table?: Table; text?: string[] }> = [{ title: 'Headline', text: headlineLines(steps) }];
  sections.push({ title: 'Fan-out', table: fanoutTable(steps) });
  for (const target of targets) sections.push({ title: `CPU (% of one core) and peak memory per process: ${target}`, table: usageTable(steps.filter((step) => step.target === target)) });
  if (costStep) {
    sections.push({ title: `Cost per message, system at ${int(costStep.rate)}/s`, table: costTable(costStep) });
    const stages = stagesTable(costStep);
    if (stages) sections.push({ title: `Where the time goes, system at ${int(costStep.rate)}/s (services' own metrics)`, table: stages });
  }
  if (floorBest) sections.push({ title: `Cost per message, floor at ${int(floorBest.rate)}/s`, table: costTable(floorBest) });
  if (capacity) sections.push({ title: 'Capacity: idle sockets on one gateway process', table: capacityTable(capacity) });

  const consoleText = [`Machine: ${machineLine}`, `Setup: ${setup}`, ''];
  const markdown = [`Machine: ${machineLine}.`, '', `Setup: ${setup}.`, ''];
  for (const section of sections) {
    consoleText.push(`== ${section.title}`);
    markdown.push(`#### ${section.title}`, '');
    if (section.text) {
      consoleText.push(...section.text);
      markdown.push(...section.text.map((line) => `- ${line.replace(/\s+/g, ' ')}`));
    }
    if (section.table) {
      consoleText.push(consoleTable(section.table));
      markdown.push(markdownTable(section.table));
    }
    consoleText.push('');
    markdown.push('');
  }
  return { console: consoleText.join('\n'), markdown: markdown.join('\n') };
}

const BEGIN = '<!-- figures:begin (written by npm run bench) -->';
const END = '<!-- figures:end -->';

/** Replaces the figures between the markers, keeping the rest of the README as written. */
export async function updateReadme(path: string, figures: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => `# Benchmarks\n\n${BEGIN}\n${END}\n`);
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const block = `${BEGIN}\n${figures.trim()}\n${END}`;
  await writeFile(path, start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`);
}

