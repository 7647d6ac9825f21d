import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Explicit rates (messages/s) for both targets; none: the default ladder with a search. */
  rates: number[] | null;
  durationMs: number;
  channels: number;
  membersPerChannel: number;
  /** Idle sockets to open on one gateway process; 0 skips the capacity run. */
  capacity: number;
  targets: Array<'floor' | 'system'>;
  /** Where the report goes; null prints only. */
  readme: string | null;
  json: string | null;
  /** A directory for V8 CPU profiles of every service process, written when they stop. */
  profileDir: string | null;
  quick: boolean;
}

/** Up to well past what this 2-core machine's floor takes; the search stops two failures past the edge. */
export const DEFAULT_LADDER = [200, 400, 600, 800, 1200, 1600, 2000, 2400, 3200, 4000, 4800, 5600, 6400, 8000];
const QUICK_RATES = [100, 300];

export const USAGE = `npm run bench -- [options]
  --rates 200,400,800   rates (messages/s) to run for both targets, instead of the search
  --duration 10         seconds per rate (default 10; 3 with --quick)
  --channels 100        channels (default 100), each with --members sockets (default 10)
  --capacity 15000      idle sockets to hold on one gateway process (0 skips; 1000 with --quick)
  --only floor|system   run one target
  --quick               a short run: two low rates, small capacity, README untouched
  --no-readme           print only
  --json <file>         also write every figure as JSON
  --profile <dir>       write a CPU profile of each service process (and floor replica) into <dir>`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rates: { type: 'string' },
      duration: { type: 'string' },
      channels: { type: 'string' },
      members: { type: 'string' },
      capacity: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-readme': { type: 'boolean', default: false },
      json: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (text: string | undefined, fallback: number, name: string) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
    return value;
  };
  const quick = values.quick ?? false;
  const rates = values.rates?.split(',').map((rate) => number(rate.trim(), 0, 'rates')).filter((rate) => rate > 0) ?? (quick ? QUICK_RATES : null);
  if (values.only !== undefined && values.only !== 'floor' && values.only !== 'system') throw new Error('--only is floor or system');
  return {
    rates,
    durationMs: number(values.duration, quick ? 3 : 10, 'duration') * 1_000,
    channels: number(values.channels, 100, 'channels'),
    membersPerChannel: number(values.members, 10, 'members'),
    capacity: number(values.capacity, quick ? 1_000 : 15_000, 'capacity'),
    targets: values.only ? [values.only as 'floor' | 'system'] : ['floor', 'system'],
    readme: quick || values['no-readme'] ? null : new URL('../README.md', import.meta.url).pathname,
    json: values.json ?? null,
    profileDir: values.profile ?? null,
    quick,
  };
}
