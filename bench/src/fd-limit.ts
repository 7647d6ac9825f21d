import { readFileSync } from 'node:fs';

/**
 * The open files this process (and every process it starts) may hold. Node raises its soft limit
 * to the hard one by itself, so the hard limit (`ulimit -Hn`) is what bounds a socket process.
 */
export function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}
