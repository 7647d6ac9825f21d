import { SocketFleet, Sender } from './load.ts';
import { socketPlans, sweep, type StepResult, type SweepOptions } from './fanout.ts';
import { underSharedLock } from './shared-lock.ts';
import type { Target } from './targets.ts';

/** Clients processes for the fan-out's sockets: a few hundred sockets each is light work. */
const FANOUT_CLIENT_PROCESSES = 2;
const WARM_UP = { rate: 100, durationMs: 2_000 };

/**
 * Opens the target's sockets, warms it up (connections, JIT, the services' copies of each
 * channel), then sweeps the rates. The load processes are the target's own and end with it.
 */
export async function runTarget(target: Target, options: SweepOptions): Promise<StepResult[]> {
  const fleet = await SocketFleet.start(FANOUT_CLIENT_PROCESSES);
  const sender = await Sender.start();
  try {
    const plans = socketPlans(target);
    const connected = await underSharedLock(() => fleet.connect(plans));
    if (connected.connected !== plans.length) {
      throw new Error(`${target.name}: ${connected.connected} of ${plans.length} sockets joined their rooms: ${connected.errors.join('; ')}`);
    }
    options.log(`${target.name}: ${connected.connected} sockets joined ${target.rooms.length} rooms in ${Math.round(connected.ms)} ms`);
    await sweep(target, fleet, sender, { ...options, rates: [WARM_UP.rate], durationMs: WARM_UP.durationMs, search: null, log: () => undefined });
    return await sweep(target, fleet, sender, options);
  } finally {
    await fleet.disconnect().catch(() => undefined);
    await Promise.all([fleet.stop(), sender.stop()]);
  }
}
