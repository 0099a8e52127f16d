import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WEB_APPS, type WebApp } from './web-apps';

const repoRoot = join(__dirname, '..', '..');
const appsDir = join(repoRoot, 'apps');

/**
 * Builds the web apps (Vite) whose sources changed since their last build, so `npm start` and the browser tests
 * serve current assets without rebuilding every time. `--force` builds them all.
 */
export async function buildWebApps(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const shared = await newest([join(appsDir, 'web-common', 'src'), join(appsDir, 'tsconfig.apps.json'), join(repoRoot, 'package-lock.json')]);
  for (const app of WEB_APPS) {
    const built = await modified(join(appsDir, app, 'dist', 'index.html'));
    const sources = Math.max(shared, await newest([join(appsDir, app, 'src'), join(appsDir, app, 'index.html'), join(appsDir, app, 'vite.config.ts')]));
    if (!options.force && built !== undefined && built >= sources) continue;
    log(`building the ${app} app …`);
    await viteBuild(app);
  }
}

function viteBuild(app: WebApp): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: join(appsDir, app), stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build of the ${app} app exited with ${code}`))));
  });
}

async function modified(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

// The newest modification time of the files at or under `paths`.
async function newest(paths: readonly string[]): Promise<number> {
  let latest = 0;
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    if (!info.isDirectory()) {
      latest = Math.max(latest, info.mtimeMs);
      continue;
    }
    for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return latest;
}

if (require.main === module) {
  buildWebApps({ force: process.argv.includes('--force') }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
