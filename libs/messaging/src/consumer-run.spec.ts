import { describe, expect, it } from 'vitest';
import { ConsumerRun } from './consumer-runner';

describe('what the messages of one run share', () => {
  it('creates a shared value once, writes it once before the commit, in the order the values were created', async () => {
    const run = new ConsumerRun();
    const written: string[] = [];
    const events = (key: string) => run.shared(key, () => { const value: string[] = []; return { value, finish: async () => void written.push(`${key}:${value.join(',')}`) }; });
    events('a').push('1');
    events('b').push('2');
    events('a').push('3');
    await run.finish();
    expect(written).toEqual(['a:1,3', 'b:2']);
  });

  it('reads a memo once for the whole run and writes nothing for it', async () => {
    const run = new ConsumerRun();
    let reads = 0;
    const catalogue = () => run.memo('catalogue', () => ({ read: ++reads }));
    expect(catalogue()).toBe(catalogue());
    expect(reads).toBe(1);
    await expect(run.finish()).resolves.toBeUndefined();
    expect(new ConsumerRun().memo('catalogue', () => 'another run reads again')).toBe('another run reads again');
  });

  it('undoes what the values kept in memory when the run rolls back', () => {
    const run = new ConsumerRun();
    const kept = new Set<string>();
    run.shared('held', () => ({ value: kept.add('x'), finish: async () => undefined, abandon: () => kept.clear() }));
    run.abandon();
    expect(kept.size).toBe(0);
  });
});
