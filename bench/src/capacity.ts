import { mintToken, uniqueTenant } from '@chat/test-kit';
import { sleep } from './clock.ts';
import { SocketFleet } from './load.ts';
import { scrape } from './prom.ts';
import type { Cluster } from '@chat/test-kit';
import { measureWindow } from './usage.ts';
import { readFile } from 'node:fs/promises';
import type { SocketPlan } from './workers/protocol.ts';

export interface CapacityResult {
  requested: number;
  /** Sockets the gateway counted as connected once all were opened and left idle. */
  held: number;
  failed: number;
  errors: string[];
  connectSeconds: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  /** Resident memory the sockets added, per socket. */
  rssPerSocketKb: number;
  heapPerSocketKb: number;
  /** The gateway's CPU while the sockets connected, % of one core. */
  connectCpuPercent: number;
  clientProcesses: number;
}

/** Sockets per client process: well under the ~20,000 open files a process may hold here. */
const SOCKETS_PER_CLIENT_PROCESS = 5_000;
/** Users per tenant: presence goes to a user's whole tenant, so one giant tenant would measure that instead. */
const USERS_PER_TENANT = 100;
const IDLE_MS = 5_000;

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function gatewayFigures(url: string): Promise<{ heapMb: number; connections: number }> {
  const metrics = await scrape(url);
  return {
    heapMb: (metrics.get('nodejs_heap_size_used_bytes{}') ?? 0) / 2 ** 20,
    connections: metrics.get('gateway_socket_connections{}') ?? 0,
  };
}

/**
 * Opens `count` idle sockets (authenticated, each its own user, in no channel room) on one gateway
 * process, spread over several client processes, and answers how many it holds and what they weigh.
 */
export async function runCapacity(system: { cluster: Cluster }, count: number, log: (line: string) => void): Promise<CapacityResult> {
  const gateway = system.cluster.gateways[0]!;
  const pid = gateway.child.pid!;
  const processes = Math.max(2, Math.ceil(count / SOCKETS_PER_CLIENT_PROCESS));
  log(`capacity: minting ${count} tokens`);
  const plans: SocketPlan[] = [];
  let tenantId = uniqueTenant('idle');
  for (let index = 0; index < count; index++) {
    if (index % USERS_PER_TENANT === 0) tenantId = uniqueTenant('idle');
    plans.push({ url: gateway.url, token: await mintToken({ userId: `idle-${index}`, tenantId, role: 'PARTICIPANT' }) });
  }
  const fleet = await SocketFleet.start(processes);
  try {
    await sleep(2_000);
    const rssBeforeMb = await rssMb(pid);
    const { heapMb: heapBeforeMb } = await gatewayFigures(gateway.url);
    log(`capacity: opening ${count} idle sockets on one gateway from ${processes} client processes`);
    const window = await measureWindow([{ name: 'gateway', kind: 'system', pids: () => [pid] }]);
    const connected = await fleet.connect(plans, 200);
    const usage = await window.stop();
    await sleep(IDLE_MS);
    const rssAfterMb = await rssMb(pid);
    const { heapMb: heapAfterMb, connections } = await gatewayFigures(gateway.url);
    const held = Math.min(connections, await fleet.open());
    log(`capacity: ${held} held, ${connected.failed} failed, ${Math.round(((rssAfterMb - rssBeforeMb) * 1024) / Math.max(1, held))} KB RSS per socket`);
    return {
      requested: count,
      held,
      failed: connected.failed,
      errors: connected.errors,
      connectSeconds: connected.ms / 1_000,
      rssBeforeMb,
      rssAfterMb,
      heapBeforeMb,
      heapAfterMb,
      rssPerSocketKb: ((rssAfterMb - rssBeforeMb) * 1024) / Math.max(1, held),
      heapPerSocketKb: ((heapAfterMb - heapBeforeMb) * 1024) / Math.max(1, held),
      connectCpuPercent: usage.groups[0]?.cpuPercent ?? 0,
      clientProcesses: processes,
    };
  } finally {
    await fleet.disconnect().catch(() => undefined);
    await fleet.stop();
  }
}
