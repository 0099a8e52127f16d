/**
 * Makes sure Debian's Chromium is installed for the browser tests (tests/browser): nothing to do when
 * /usr/bin/chromium exists; as root, `apt-get update` and `apt-get install -y chromium` otherwise (CI runs as root
 * on a fresh machine). Never downloads a browser build of its own: Playwright drives this Chromium through
 * playwright-core's executablePath.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where the browser tests expect Chromium. */
export const CHROMIUM = process.env['VARDE_CHROMIUM'] ?? '/usr/bin/chromium';

/** Installs Chromium unless it is there; throws with what to do when it cannot. Idempotent. */
export function ensureChromium(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; as root run: apt-get update && apt-get install -y chromium (or npm run browser:install)`);
  }
  log('installing Chromium from Debian (apt-get install chromium) for the browser tests …');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core']]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${result.status}`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

if (require.main === module) {
  try {
    console.error(`Chromium: ${ensureChromium()}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
