import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { breakingBase, checkBreaking } from './breaking';
import { repoRoot } from './run-buf';

const event = (fields: string) => `syntax = "proto3";

// Test events.
package varde.demo.v1;

// Something happened.
message Happened {
${fields}
}
`;
const ID = '  // Id of it.\n  string id = 1;';
const WHEN = '  // When.\n  string at = 2;';

let repo: string;
const git = (...args: string[]) => {
  const result = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], { cwd: repo, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
};
const commitProto = (fields: string, message: string) => {
  writeFileSync(join(repo, 'proto/varde/demo/v1/events.proto'), event(fields));
  git('add', '-A');
  git('commit', '-qm', message);
};

function freshRepo(): void {
  repo = mkdtempSync(join(tmpdir(), 'breaking-'));
  mkdirSync(join(repo, 'proto/varde/demo/v1'), { recursive: true });
  copyFileSync(join(repoRoot, 'buf.yaml'), join(repo, 'buf.yaml'));
  git('init', '-q');
}

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('the breaking-change check compares proto/ with the last release tag', () => {
  it('fails for a field removed since the last release, however many commits ago, and passes for an added one', () => {
    freshRepo();
    commitProto(`${ID}\n${WHEN}`, 'first');
    git('tag', 'v0.1.0');
    commitProto(`${ID}\n${WHEN}\n  // Where.\n  string place = 3;`, 'adds a field');
    expect(breakingBase(repo, undefined)).toEqual({ ref: 'v0.1.0', kind: 'release' });
    expect(checkBreaking(repo)).toBe(0);
    // Removed in a commit of its own: comparing with HEAD (as before) would see nothing, the release does.
    commitProto(ID, 'removes a field');
    expect(checkBreaking(repo)).not.toBe(0);
  });

  it('takes the newest release reachable from HEAD, and a ref given instead', () => {
    freshRepo();
    commitProto(ID, 'first');
    git('tag', 'v0.1.0');
    commitProto(`${ID}\n${WHEN}`, 'second');
    git('tag', 'v0.2.0');
    git('tag', 'not-a-release');
    expect(breakingBase(repo, undefined)).toEqual({ ref: 'v0.2.0', kind: 'release' });
    expect(breakingBase(repo, 'v0.1.0')).toEqual({ ref: 'v0.1.0', kind: 'given' });
    commitProto(ID, 'removes the field of v0.2.0');
    expect(checkBreaking(repo)).not.toBe(0);
    expect(checkBreaking(repo, 'v0.1.0')).toBe(0);
  });

  it('compares with the release proto/releases.json records when the clone has lost its tag', () => {
    freshRepo();
    commitProto(`${ID}\n${WHEN}`, 'first');
    const released = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(repo, 'proto/releases.json'), JSON.stringify([{ version: 'v0.1.0', commit: released }]));
    git('add', '-A');
    git('commit', '-qm', 'records the release');
    expect(breakingBase(repo, undefined)).toEqual({ ref: released, kind: 'release', release: 'v0.1.0' });
    expect(checkBreaking(repo)).toBe(0);
    commitProto(ID, 'removes a field of the release');
    expect(checkBreaking(repo)).not.toBe(0);
  });

  it('without any release checks uncommitted changes against HEAD', () => {
    freshRepo();
    commitProto(`${ID}\n${WHEN}`, 'first');
    expect(breakingBase(repo, undefined)).toEqual({ ref: 'HEAD', kind: 'head' });
    expect(checkBreaking(repo)).toBe(0);
    writeFileSync(join(repo, 'proto/varde/demo/v1/events.proto'), event(ID));
    expect(checkBreaking(repo)).not.toBe(0);
  });
});
