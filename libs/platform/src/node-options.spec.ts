import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NODE_OPTIONS, serviceNodeOptions } from './node-options';

const repoRoot = join(__dirname, '..', '..', '..');

describe('the Node.js options of a service process', () => {
  it('are the platform\'s unless the environment sets NODE_OPTIONS, which then replaces them', () => {
    expect(serviceNodeOptions({})).toBe(SERVICE_NODE_OPTIONS);
    expect(serviceNodeOptions({ NODE_OPTIONS: '  ' })).toBe(SERVICE_NODE_OPTIONS);
    expect(serviceNodeOptions({ NODE_OPTIONS: '--max-old-space-size=900' })).toBe('--max-old-space-size=900');
  });

  it('are what the Dockerfile\'s image runs with', () => {
    const runtimeEnv = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').split('\n').filter((line) => line.startsWith('ENV '));
    expect(runtimeEnv.at(-1)).toContain(` NODE_OPTIONS=${SERVICE_NODE_OPTIONS}`);
  });

  it('are accepted by this Node.js in NODE_OPTIONS (it refuses to start on one it does not allow there)', () => {
    const run = spawnSync(process.execPath, ['-e', 'process.stdout.write("started")'], { env: { ...process.env, NODE_OPTIONS: SERVICE_NODE_OPTIONS }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('started');
    expect(run.status).toBe(0);
  });
});
