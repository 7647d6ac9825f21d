import { readFile } from 'node:fs/promises';

/**
 * CPU time and memory of groups of processes over a window, read from /proc: a service, a
 * gateway replica, the load generators, or the backends PostgreSQL runs for this system.
 */
export interface ProcessGroup {
  name: string;
  /** What the group is: the system under test, the floor, the bench's own load, or a shared server. */
  kind: 'system' | 'floor' | 'load' | 'server';
  /** The group's processes now; asked again now and then, since backends come and go. */
  pids(): number[] | Promise<number[]>;
  /** Whether its resident memory means anything (not for processes sharing memory, like PostgreSQL's). */
  memory?: boolean;
}

export interface GroupUsage {
  name: string;
  kind: ProcessGroup['kind'];
  cpuMs: number;
  /** Of one core, over the window. */
  cpuPercent: number;
  peakRssMb: number | null;
}

export interface WindowUsage {
  wallMs: number;
  groups: GroupUsage[];
  /** Busy CPU of the whole machine (processes, interrupts, steal), in % of one core. */
  machinePercent: number;
  /** Interrupts (loopback networking among them) and hypervisor steal, in % of one core. */
  interruptPercent: number;
  stealPercent: number;
  /** Process CPU the groups do not account for: someone else's work on this machine. */
  otherPercent: number;
  cores: number;
}

const TICK_MS = 1_000 / 100; // USER_HZ, 100 on Linux
const SAMPLE_MS = 250;
const REFRESH_PIDS_EVERY = 4;

async function cpuMsOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

async function rssMbOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface MachineTimes {
  /** CPU time of processes (user and system). */
  processMs: number;
  /** Interrupt handling, loopback networking's included, which no process is charged for. */
  interruptMs: number;
  /** Time the hypervisor gave to other machines while this one wanted to run. */
  stealMs: number;
  cores: number;
}

async function machineTimes(): Promise<MachineTimes> {
  const stat = await readFile('/proc/stat', 'utf8');
  const lines = stat.split('\n');
  const [, ...values] = lines[0]!.trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values.map(Number);
  const cores = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  return { processMs: (user + nice + system) * TICK_MS, interruptMs: (irq + softirq) * TICK_MS, stealMs: steal * TICK_MS, cores };
}

interface GroupState {
  group: ProcessGroup;
  pids: number[];
  /** CPU at the window's start (0 for processes born during it) and at the last sample. */
  firstCpu: Map<number, number>;
  lastCpu: Map<number, number>;
  peakRssMb: number;
}

/** Samples the groups until `stop()`, which answers their usage over the window. */
export async function measureWindow(groups: ProcessGroup[]): Promise<{ stop(): Promise<WindowUsage> }> {
  const started = performance.now();
  const machineStart = await machineTimes();
  const states: GroupState[] = await Promise.all(
    groups.map(async (group) => {
      const pids = await group.pids();
      const firstCpu = new Map<number, number>();
      for (const pid of pids) {
        const cpu = await cpuMsOf(pid);
        if (cpu !== undefined) firstCpu.set(pid, cpu);
      }
      return { group, pids, firstCpu, lastCpu: new Map(firstCpu), peakRssMb: 0 };
    }),
  );
  let samples = 0;
  let sampling: Promise<void> = Promise.resolve();
  const sample = async () => {
    samples += 1;
    for (const state of states) {
      if (samples % REFRESH_PIDS_EVERY === 0) {
        state.pids = await Promise.resolve(state.group.pids()).catch(() => state.pids);
        for (const pid of state.pids) if (!state.firstCpu.has(pid)) state.firstCpu.set(pid, 0);
      }
      let rss = 0;
      for (const pid of state.pids) {
        const cpu = await cpuMsOf(pid);
        if (cpu !== undefined) state.lastCpu.set(pid, cpu);
        if (state.group.memory !== false) rss += await rssMbOf(pid);
      }
      state.peakRssMb = Math.max(state.peakRssMb, rss);
    }
  };
  const timer = setInterval(() => {
    sampling = sampling.then(sample);
  }, SAMPLE_MS);
  sampling = sample();

  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await sample();
      const wallMs = performance.now() - started;
      const machineEnd = await machineTimes();
      const percentOf = (key: 'processMs' | 'interruptMs' | 'stealMs') => ((machineEnd[key] - machineStart[key]) / wallMs) * 100;
      const groups = states.map((state) => {
        let cpuMs = 0;
        for (const [pid, last] of state.lastCpu) cpuMs += last - (state.firstCpu.get(pid) ?? 0);
        return {
          name: state.group.name,
          kind: state.group.kind,
          cpuMs,
          cpuPercent: (cpuMs / wallMs) * 100,
          peakRssMb: state.group.memory === false ? null : state.peakRssMb,
        };
      });
      const groupsPercent = groups.reduce((sum, group) => sum + group.cpuPercent, 0);
      return {
        wallMs,
        cores: machineEnd.cores,
        machinePercent: percentOf('processMs') + percentOf('interruptMs') + percentOf('stealMs'),
        interruptPercent: percentOf('interruptMs'),
        stealPercent: percentOf('stealMs'),
        otherPercent: Math.max(0, percentOf('processMs') - groupsPercent),
        groups,
      };
    },
  };
}

/** The processes on this machine whose command line matches, e.g. RabbitMQ's `beam.smp`. */
export async function pidsMatching(pattern: RegExp): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (pattern.test(cmdline)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
