/**
 * Reads the services' own `/metrics` (Prometheus text) and answers what a step changed: the
 * count, sum and buckets of a histogram between two scrapes, and quantiles from those buckets.
 */
export type Scrape = Map<string, number>;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLine(line: string): Sample | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
  if (!match) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
  return { name: match[1]!, labels, value: Number(match[4]) };
}

const keyOf = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .filter(([label]) => label !== 'service')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => `${label}=${value}`)
    .join(',')}}`;

export async function scrape(baseUrl: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`);
  const text = await response.text();
  const samples: Scrape = new Map();
  for (const line of text.split('\n')) {
    const sample = parseLine(line);
    if (sample) samples.set(keyOf(sample.name, sample.labels), sample.value);
  }
  return samples;
}

/** The sum over every series of `name` whose labels include `match`, after minus before. */
export function delta(before: Scrape, after: Scrape, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of after) {
    if (!key.startsWith(`${name}{`) || !matches(key, match)) continue;
    total += value - (before.get(key) ?? 0);
  }
  return total;
}

function matches(key: string, match: Record<string, string>): boolean {
  return Object.entries(match).every(([label, value]) => new RegExp(`[{,]${label}=${escape(value)}[,}]`).test(key));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface HistogramDelta {
  count: number;
  /** Seconds, in total. */
  sum: number;
  /** Upper bound (s) → cumulative count. */
  buckets: Array<[number, number]>;
}

/** What a histogram gathered between two scrapes, over the series whose labels include `match`. */
export function histogramDelta(before: Scrape, after: Scrape, name: string, match: Record<string, string> = {}): HistogramDelta {
  const byBound = new Map<number, number>();
  for (const [key, value] of after) {
    if (!key.startsWith(`${name}_bucket{`) || !matches(key, match)) continue;
    const bound = /[{,]le=([^,}]+)/.exec(key)?.[1];
    if (bound === undefined) continue;
    const le = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
    byBound.set(le, (byBound.get(le) ?? 0) + value - (before.get(key) ?? 0));
  }
  return {
    count: delta(before, after, `${name}_count`, match),
    sum: delta(before, after, `${name}_sum`, match),
    buckets: [...byBound.entries()].sort(([a], [b]) => a - b),
  };
}

/** The quantile by linear interpolation within its bucket (as Prometheus' histogram_quantile). */
export function quantileOf(histogram: HistogramDelta, q: number): number {
  const total = histogram.buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of histogram.buckets) {
    if (count >= rank) {
      if (!Number.isFinite(bound)) return previousBound;
      return previousBound + ((bound - previousBound) * (rank - previousCount)) / Math.max(1, count - previousCount);
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

export const meanOf = (histogram: HistogramDelta) => (histogram.count === 0 ? Number.NaN : histogram.sum / histogram.count);
