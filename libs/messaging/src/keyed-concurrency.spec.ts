import { describe, expect, it } from 'vitest';
import { concurrencyLimit, handleByKey, handledPrefixOf, MAX_RUN } from './keyed-concurrency';
import type { DeliveredMessage } from './message-bus';

const message = (key: string, n: number): DeliveredMessage =>
  ({ id: `${key}-${n}`, key, type: 't', source: 's', topic: 'varde.test.v1', time: '', recordedTime: '', correlationId: '', causationId: '', payload: new Uint8Array(), partition: 0, offset: String(n) });

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('handleByKey', () => {
  it("keeps each patient's messages in order while patients overlap", async () => {
    const messages = [message('a', 0), message('b', 1), message('a', 2), message('c', 3), message('b', 4), message('a', 5)];
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const handled = await handleByKey(messages, async (m) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Patient a is slow: b and c must not wait for it.
      await tick(m.key === 'a' ? 15 : 1);
      seen.push(m.id);
      inFlight--;
    }, 8);
    expect(handled).toBe(6);
    expect(seen.filter((id) => id.startsWith('a'))).toEqual(['a-0', 'a-2', 'a-5']);
    expect(seen.filter((id) => id.startsWith('b'))).toEqual(['b-1', 'b-4']);
    expect(seen.indexOf('c-3')).toBeLessThan(seen.indexOf('a-2'));
    expect(maxInFlight).toBe(3);
  });

  it('never runs more patients at once than asked', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    await handleByKey(Array.from({ length: 20 }, (_, i) => message(`p${i}`, i)), async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await tick(2);
      inFlight--;
    }, 3);
    expect(maxInFlight).toBe(3);
  });

  it('on a failure says how far from the start everything was handled, and starts nothing after it', async () => {
    const messages = [message('a', 0), message('b', 1), message('a', 2), message('b', 3), message('c', 4)];
    const handledIds: string[] = [];
    const failed = await handleByKey(messages, async (m) => {
      await tick(m.key === 'b' ? 1 : 5);
      if (m.id === 'b-1') throw new Error('database down');
      handledIds.push(m.id);
    }, 2).catch((error: unknown) => error);
    expect((failed as Error).message).toBe('database down');
    // a-0 handled, b-1 failed: only the first message may be committed.
    expect(handledPrefixOf(failed)).toBe(1);
    // a-0 was in flight and finishes; nothing starts after the failure.
    expect(handledIds).toEqual(['a-0']);
  });

  it('stops between messages when asked, reporting the handled prefix', async () => {
    let stop = false;
    const handled = await handleByKey([message('a', 0), message('a', 1), message('a', 2)], async (m) => {
      if (m.id === 'a-0') stop = true;
    }, 4, () => stop);
    expect(handled).toBe(1);
  });
});

describe('handleByKey with a run handler', () => {
  it("hands a patient's consecutive messages to the run handler together, in order, and a lone message to the handler", async () => {
    const runs: string[][] = [];
    const singles: string[] = [];
    const messages = [message('a', 0), message('b', 1), message('a', 2), message('a', 3), message('c', 4), message('c', 5)];
    const handled = await handleByKey(messages, async (m) => void singles.push(m.id), 4, () => false, async (run) => void runs.push(run.map((m) => m.id)));
    expect(handled).toBe(6);
    expect(runs.sort()).toEqual([['a-0', 'a-2', 'a-3'], ['c-4', 'c-5']]);
    expect(singles).toEqual(['b-1']);
  });

  it('counts nothing of a run that failed as handled', async () => {
    const messages = [message('a', 0), message('a', 1), message('b', 2)];
    const failed = await handleByKey(messages, async () => undefined, 1, () => false, async () => {
      throw new Error('database down');
    }).catch((error: unknown) => error);
    expect(handledPrefixOf(failed)).toBe(0);
  });
});

describe('handleByKey with runs across keys', () => {
  it('hands messages of any keys to the run handler in delivery order, at most MAX_RUN at a time, one run after the other', async () => {
    const runs: string[][] = [];
    const singles: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const messages = Array.from({ length: MAX_RUN * 2 + 1 }, (_, i) => message(['a', 'b', 'c'][i % 3]!, i));
    const handled = await handleByKey(messages, async (m) => void singles.push(m.id), 4, () => false, async (run) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await tick(1);
      runs.push(run.map((m) => m.id));
      inFlight--;
    }, true);
    expect(handled).toBe(messages.length);
    expect(maxInFlight).toBe(1);
    expect(runs.map((r) => r.length)).toEqual([MAX_RUN, MAX_RUN]);
    expect([...runs.flat(), ...singles]).toEqual(messages.map((m) => m.id));
  });

  it('reports the messages of the runs before a failed one as handled, and starts none after it', async () => {
    let calls = 0;
    const messages = Array.from({ length: MAX_RUN * 3 }, (_, i) => message(i % 2 ? 'a' : 'b', i));
    const failed = await handleByKey(messages, async () => undefined, 4, () => false, async () => {
      if (++calls === 2) throw new Error('database down');
    }, true).catch((error: unknown) => error);
    expect(handledPrefixOf(failed)).toBe(MAX_RUN);
    expect(calls).toBe(2);
  });
});

describe('concurrencyLimit', () => {
  it('holds callers beyond the limit until one finishes, in order', async () => {
    const limit = concurrencyLimit(2);
    const order: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    await Promise.all([1, 2, 3, 4, 5].map((n) => limit(async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await tick(3);
      order.push(n);
      inFlight--;
    })));
    expect(maxInFlight).toBe(2);
    expect(order.slice(0, 2).sort()).toEqual([1, 2]);
    expect(order).toHaveLength(5);
  });
});
