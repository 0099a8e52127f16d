// Fails when proto/ has a breaking change against the base branch (default main; pass another ref as the
// first argument, e.g. origin/main in CI). The first commit that adds proto/ has nothing to compare with.
import { spawnSync } from 'node:child_process';
import { repoRoot, runBuf } from './run-buf';

function gitSucceeds(args: readonly string[]): boolean {
  return spawnSync('git', args, { cwd: repoRoot, stdio: 'ignore' }).status === 0;
}

const base = process.argv[2] ?? 'main';
const baseExists = gitSucceeds(['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);

if (!baseExists && gitSucceeds(['rev-parse', '--verify', '--quiet', 'HEAD'])) {
  // A missing base in a repository with history is a CI checkout problem, not "nothing to compare".
  console.error(`base ref ${base} not found: fetch it first (e.g. git fetch origin main:main)`);
  process.exitCode = 1;
} else if (!baseExists || !gitSucceeds(['cat-file', '-e', `${base}:proto`])) {
  console.log(`no proto on ${base} yet: breaking-change check has nothing to compare`);
} else {
  process.exitCode = runBuf(['breaking', '--against', `.git#ref=${base},subdir=proto`]);
}
