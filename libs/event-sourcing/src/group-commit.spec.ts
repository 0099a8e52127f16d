import { describe, expect, it } from 'vitest';
import { GroupCommit, type GroupOutcome } from './group-commit';

/** A write that records each group it got, takes `ms`, and refuses odd numbers. */
function recordingWrite(ms = 5) {
  const groups: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (items: readonly number[]): Promise<GroupOutcome<string>[]> => {
    groups.push([...items]);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, ms));
    inFlight--;
    return items.map((n) => (n % 2 === 1 ? { refused: new Error(`${n} is odd`) } : { ok: `wrote ${n}` }));
  };
  return { write, groups, maxInFlight: () => maxInFlight };
}

describe('GroupCommit', () => {
  it('writes an item on an idle writer at once, alone', async () => {
    const { write, groups } = recordingWrite();
    const commit = new GroupCommit(write, { maxGroup: 10, maxInFlight: 1 });
    expect(await commit.submit(2)).toBe('wrote 2');
    expect(groups).toEqual([[2]]);
  });

  it('writes what arrives during a write together, in order, each with its own answer', async () => {
    const { write, groups } = recordingWrite();
    const commit = new GroupCommit(write, { maxGroup: 10, maxInFlight: 1 });
    const answers = await Promise.all([0, 2, 4, 6, 8].map((n) => commit.submit(n)));
    expect(answers).toEqual(['wrote 0', 'wrote 2', 'wrote 4', 'wrote 6', 'wrote 8']);
    // The first found the writer idle; the others waited and shared the next write.
    expect(groups).toEqual([[0], [2, 4, 6, 8]]);
  });

  it('refuses an item alone, and its group-mates are written', async () => {
    const { write } = recordingWrite();
    const commit = new GroupCommit(write, { maxGroup: 10, maxInFlight: 1 });
    const results = await Promise.allSettled([0, 2, 3, 4].map((n) => commit.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('3 is odd'));
  });

  it('fails every item of a group whose write failed, and goes on with the next group', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(async (items) => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (calls === 2) throw new Error('database down');
      return items.map((n) => ({ ok: n }));
    }, { maxGroup: 10, maxInFlight: 1 });
    const first = commit.submit(1);
    const failing = [commit.submit(2), commit.submit(3)];
    await expect(first).resolves.toBe(1);
    await expect(Promise.allSettled(failing)).resolves.toEqual([
      { status: 'rejected', reason: new Error('database down') },
      { status: 'rejected', reason: new Error('database down') },
    ]);
    await expect(commit.submit(4)).resolves.toBe(4);
  });

  it('never writes more items at once, or more groups at once, than allowed', async () => {
    const { write, groups, maxInFlight } = recordingWrite(3);
    const commit = new GroupCommit(write, { maxGroup: 4, maxInFlight: 2 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => commit.submit(i * 2)));
    expect(Math.max(...groups.map((g) => g.length))).toBe(4);
    expect(maxInFlight()).toBe(2);
    expect(groups.flat()).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
  });
});
