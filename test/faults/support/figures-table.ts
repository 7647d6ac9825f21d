/**
 * Prints the figures a fault run appended to `RELIABILITY_FIGURES` as the Markdown table of
 * docs/RELIABILITY.md:
 *
 *   RELIABILITY_FIGURES=/tmp/figures.jsonl npm run test:faults
 *   node test/faults/support/figures-table.ts /tmp/figures.jsonl
 */
import { readFileSync } from 'node:fs';

const COLUMNS = ['sent', 'acknowledged', 'refusedAttempts', 'unansweredAttempts', 'delivered', 'lost', 'doubled', 'skipped', 'socketMisses', 'socketRepeats'] as const;
const HEADERS = ['messages sent', 'acknowledged', '503s (retried)', 'no answer (retried)', 'delivered to every client', 'lost', 'doubled', '`seq` skipped', 'socket misses (fetched by `afterSeq`)', 'socket repeats (dropped by the client)'];

const file = process.argv[2];
if (!file) {
  console.error('usage: figures-table.ts <figures.jsonl>');
  process.exit(2);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Record<string, string | number>);

const lines = [`| scenario | ${HEADERS.join(' | ')} | also measured |`, `| --- | ${HEADERS.map(() => '---:').join(' | ')} | --- |`];
for (const row of rows) {
  const others = Object.entries(row)
    .filter(([key]) => key !== 'scenario' && key !== 'at' && !(COLUMNS as readonly string[]).includes(key))
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  lines.push(`| ${row.scenario} | ${COLUMNS.map((column) => row[column] ?? '').join(' | ')} | ${others} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
