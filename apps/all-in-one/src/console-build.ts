import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '@chat/telemetry';

/**
 * The console's static build, made on first start when `npm ci` has not made it yet, so that
 * `npm ci && npm start` needs no separate build step. Without the console's sources (a trimmed
 * install) the gateway simply serves no console.
 */
export async function ensureConsoleBuild(root: string, logger: Logger): Promise<string | undefined> {
  const consoleDir = path.join(root, 'apps', 'support-console');
  const dist = path.join(consoleDir, 'dist');
  if (existsSync(path.join(dist, 'index.html'))) return dist;
  if (!existsSync(path.join(consoleDir, 'package.json'))) return undefined;
  logger.info('building the support console');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: consoleDir, stdio: 'inherit' });
    child.on('exit', resolve);
    child.on('error', () => resolve(1));
  });
  if (code !== 0 || !existsSync(path.join(dist, 'index.html'))) {
    logger.warn('the support console could not be built; serving the API only');
    return undefined;
  }
  return dist;
}
