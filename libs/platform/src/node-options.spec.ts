import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NODE_OPTIONS, serviceNodeOptions } from './node-options';

const repoRoot = join(__dirname, '..', '..', '..');

describe('the Node.js options of a service process', () => {
  it('give the ingest path a larger young generation and the other services V8\'s defaults', () => {
    expect(serviceNodeOptions('measurements', {})).toBe('--max-semi-space-size=64');
    expect(serviceNodeOptions('triage', {})).toBe('--max-semi-space-size=64');
    for (const service of ['forms', 'pathways', 'sharing']) expect(serviceNodeOptions(service, {}), service).toBe('');
  });

  it('are replaced by the environment\'s NODE_OPTIONS when it sets one', () => {
    expect(serviceNodeOptions('measurements', { NODE_OPTIONS: '  ' })).toBe('--max-semi-space-size=64');
    expect(serviceNodeOptions('measurements', { NODE_OPTIONS: '--max-old-space-size=900' })).toBe('--max-old-space-size=900');
    expect(serviceNodeOptions('forms', { NODE_OPTIONS: '--max-old-space-size=400' })).toBe('--max-old-space-size=400');
  });

  it('are not baked into the image, which runs every service', () => {
    const runtimeEnv = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').split('\n').filter((line) => line.startsWith('ENV '));
    expect(runtimeEnv.at(-1)).toContain('NODE_ENV=production');
    expect(runtimeEnv.join('\n')).not.toContain('NODE_OPTIONS');
  });

  it.each(Object.entries(SERVICE_NODE_OPTIONS))('for %s are accepted by this Node.js in NODE_OPTIONS (it refuses to start on one it does not allow there)', (_service, options) => {
    const run = spawnSync(process.execPath, ['-e', 'process.stdout.write("started")'], { env: { ...process.env, NODE_OPTIONS: options }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('started');
    expect(run.status).toBe(0);
  });
});
