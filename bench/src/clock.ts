/**
 * The one clock every bench process reads: CLOCK_MONOTONIC (what `process.hrtime` reads on Linux)
 * is one clock for the whole machine, so a time stamped in the sender process and one read in a
 * socket process are comparable to the microsecond, and no wall-clock step can bend a latency.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
