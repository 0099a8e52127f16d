import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Repository root: buf.yaml and buf.gen.yaml live here, and buf resolves their paths from it. */
export const repoRoot = resolve(__dirname, '..', '..');

/** Runs the buf CLI from the repository's node_modules in `cwd` (default the repository root) and returns its exit code. */
export function runBuf(args: readonly string[], cwd: string = repoRoot): number {
  const result = spawnSync(process.execPath, [require.resolve('@bufbuild/buf/bin/buf'), ...args], {
    cwd,
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}
