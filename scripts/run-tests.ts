/**
 * `npm test`: every test file of the workspaces under Node's test runner, against real services
 * (see test-services.ts). A run that executes no test fails: a green run must have tested something.
 * `--faults` runs the fault-injection suite instead, which stops and starts the machine's services.
 */
import { spawn } from 'node:child_process';
import { glob } from 'node:fs/promises';
import { resolveTestServices } from './test-services.ts';

const WORKSPACE_TESTS = ['libs/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/test/**/*.test.ts', 'deploy/test/**/*.test.ts', 'test/**/*.test.ts'];

/** Fault tests stop and start shared services, so they never run beside the others. */
const isFaultTest = (file: string) => /(^|\/)test\/faults\//.test(file);

const faults = process.argv.includes('--faults');
const extra = process.argv.slice(2).filter((argument) => argument !== '--faults');
const files: string[] = [];
for await (const file of glob(extra.length > 0 ? extra : WORKSPACE_TESTS, { exclude: (name) => name.includes('node_modules') })) {
  if (extra.length > 0 || isFaultTest(file) === faults) files.push(file);
}
files.sort();
const patterns = files;
const concurrency = faults ? '1' : '2';

if (files.length === 0) {
  console.error('No test file matched: failing the run.');
  process.exit(1);
}
const services = await resolveTestServices();
let summary = '';
const exitCode = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...patterns],
    { env: { ...process.env, ...services.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    summary = (summary + chunk.toString()).slice(-4_000);
  });
  child.on('exit', (code) => resolve(code ?? 1));
});
await services.stop();

const ran = /tests (\d+)/.exec(summary);
if (exitCode === 0 && (!ran || Number(ran[1]) === 0)) {
  console.error('No test was executed: failing the run.');
  process.exit(1);
}
process.exit(exitCode);
