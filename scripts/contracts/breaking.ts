// Fails when proto/ has a breaking change against the last release: the newest tag `v<major>.<minor>.<patch>`
// reachable from HEAD, or, when the clone has no such tag, the newest release proto/releases.json records (pass another
// git ref as the first argument to compare with it instead). Without any release yet, the working tree is compared
// with HEAD (uncommitted changes only) and it says so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runBuf } from './run-buf';

/** What to compare with: the given ref, else the last release tag, else HEAD (noting that no release exists). */
export function breakingBase(repo: string, given: string | undefined): { ref: string; kind: 'given' | 'release' | 'head'; release?: string } {
  if (given !== undefined) return { ref: given, kind: 'given' };
  const described = spawnSync('git', ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*.[0-9]*.[0-9]*', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  const tag = described.status === 0 ? described.stdout.trim() : '';
  if (tag !== '') return { ref: tag, kind: 'release' };
  const recorded = recordedRelease(repo);
  return recorded ? { ref: recorded.commit, kind: 'release', release: recorded.version } : { ref: 'HEAD', kind: 'head' };
}

/**
 * The newest release `proto/releases.json` records (`[{version, commit}]`, oldest first) whose commit is in HEAD's
 * history: what the check compares with when the clone has lost the release's tag (tags do not travel with every
 * copy of a repository), so a lost tag never turns the check into "nothing released yet".
 */
function recordedRelease(repo: string): { version: string; commit: string } | undefined {
  let releases: { version: string; commit: string }[];
  try {
    releases = JSON.parse(readFileSync(join(repo, 'proto', 'releases.json'), 'utf8')) as { version: string; commit: string }[];
  } catch {
    return undefined;
  }
  const inHistory = (commit: string): boolean => spawnSync('git', ['merge-base', '--is-ancestor', commit, 'HEAD'], { cwd: repo, stdio: 'ignore' }).status === 0;
  return [...releases].reverse().find((r) => inHistory(r.commit));
}

/** Runs buf's breaking-change check of `repo`'s proto/ against `given` (or the last release); returns the exit code. */
export function checkBreaking(repo: string, given?: string): number {
  const gitSucceeds = (args: readonly string[]): boolean => spawnSync('git', args, { cwd: repo, stdio: 'ignore' }).status === 0;
  const base = breakingBase(repo, given);
  if (!gitSucceeds(['rev-parse', '--verify', '--quiet', `${base.ref}^{commit}`])) {
    if (base.kind === 'head') {
      console.log('no commit yet: breaking-change check has nothing to compare');
      return 0;
    }
    // A missing base in a repository with history is a checkout problem, not "nothing to compare".
    console.error(`base ref ${base.ref} not found: fetch it first (e.g. git fetch --tags origin)`);
    return 1;
  }
  if (!gitSucceeds(['cat-file', '-e', `${base.ref}:proto`])) {
    console.log(`no proto on ${base.ref} yet: breaking-change check has nothing to compare`);
    return 0;
  }
  const release = base.release ? `${base.release} (commit ${base.ref.slice(0, 7)}, recorded in proto/releases.json: its tag is missing from this clone)` : base.ref;
  const what = { head: 'HEAD: no release tag (v<major>.<minor>.<patch>) yet, so only uncommitted changes are checked', release: `the last release, ${release}`, given: base.ref }[base.kind];
  console.log(`breaking-change check: proto/ against ${what}`);
  return runBuf(['breaking', '--against', `.git#ref=${base.ref},subdir=proto`], repo);
}

if (require.main === module) {
  process.exitCode = checkBreaking(repoRoot, process.argv[2]);
}
