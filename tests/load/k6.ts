import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The k6 release the benchmark is written against; bump it here and nowhere else. */
export const K6_VERSION = 'v1.3.0';

const repoRoot = resolve(__dirname, '..', '..');
const binDir = join(repoRoot, '.cache', 'bin');

/**
 * Returns the path of a k6 binary in `<repo>/.cache/bin`, building it first with `go install` from the Go
 * module proxy when it is missing. k6 is a Go program with no npm distribution we trust, and the project's
 * machines reach package registries only, so the Go toolchain building it from source is the one way in.
 */
export async function ensureK6(): Promise<string> {
  const binary = join(binDir, 'k6');
  if (existsSync(binary)) return binary;
  const started = Date.now();
  process.stderr.write(`[k6] building k6 ${K6_VERSION} with go install into ${binDir} (first run only; takes minutes) …\n`);
  await new Promise<void>((done, fail) => {
    const child = spawn('go', ['install', '-v', `go.k6.io/k6@${K6_VERSION}`], {
      env: { ...process.env, GOBIN: binDir },
      // `-v` lists every package as it compiles: that is the progress a person waiting wants to see.
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', (error) => fail(new Error(`could not run go (is the Go toolchain on PATH?): ${error.message}`)));
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`go install go.k6.io/k6@${K6_VERSION} exited with ${code}`))));
  });
  if (!existsSync(binary)) throw new Error(`go install finished but ${binary} is not there`);
  process.stderr.write(`[k6] built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return binary;
}
