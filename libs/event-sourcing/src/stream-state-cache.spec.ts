import type { DomainEvent } from '@varde/core';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from './stored-event';
import { StreamStateCache } from './stream-state-cache';

type Added = DomainEvent<'Added', { n: number }>;
const added = (n: number, id = `e${n}`): StoredEvent<Added> => ({ type: 'Added', data: { n }, metadata: { messageId: id } }) as unknown as StoredEvent<Added>;

/** A fold that counts how many events it applied. */
function summing() {
  let applied = 0;
  const evolve = (sum: number, event: Added): number => {
    applied++;
    return sum + event.data.n;
  };
  return { evolve, applied: () => applied };
}

describe('StreamStateCache', () => {
  it('folds only the events a stream gained since the state it remembers', () => {
    const cache = new StreamStateCache<number>(10);
    const { evolve, applied } = summing();
    expect(cache.fold('s', [added(1), added(2)], () => 0, evolve)).toBe(3);
    expect(cache.fold('s', [added(1), added(2), added(3)], () => 0, evolve)).toBe(6);
    expect(applied()).toBe(3);
  });

  it('folds from the start when the stream no longer holds the event it remembers at that version', () => {
    const cache = new StreamStateCache<number>(10);
    const { evolve, applied } = summing();
    cache.fold('s', [added(1), added(2, 'pending')], () => 0, evolve);
    // The transaction that held "pending" rolled back; another event took position 2.
    expect(cache.fold('s', [added(1), added(5, 'other')], () => 0, evolve)).toBe(6);
    expect(applied()).toBe(4);
  });

  it('folds from the start after forget, and keeps at most the configured number of streams', () => {
    const cache = new StreamStateCache<number>(1);
    const { evolve, applied } = summing();
    cache.fold('a', [added(1)], () => 0, evolve);
    cache.forget('a');
    expect(cache.fold('a', [added(1), added(2)], () => 0, evolve)).toBe(3);
    cache.fold('b', [added(10)], () => 0, evolve);
    // "a" was dropped for "b": folded whole again.
    expect(cache.fold('a', [added(1), added(2)], () => 0, evolve)).toBe(3);
    expect(applied()).toBe(1 + 2 + 1 + 2);
  });

  it('knows which message ids the stream it folded holds, and nothing of streams it does not have', () => {
    const cache = new StreamStateCache<number>(10);
    const { evolve } = summing();
    cache.fold('s', [added(1), added(2, 'pending')], () => 0, evolve);
    expect([cache.holds('s', 'e1'), cache.holds('s', 'pending'), cache.holds('s', 'e3'), cache.holds('other', 'e1')]).toEqual([true, true, false, undefined]);
    cache.fold('s', [added(1), added(2, 'pending'), added(3)], () => 0, evolve);
    expect(cache.holds('s', 'e3')).toBe(true);
    // "pending" rolled back: folded from the start, its id is no longer held.
    cache.fold('s', [added(1), added(5, 'other')], () => 0, evolve);
    expect([cache.holds('s', 'pending'), cache.holds('s', 'other')]).toEqual([false, true]);
    cache.forget('s');
    expect(cache.holds('s', 'e1')).toBeUndefined();
  });

  it('after advance, folds nothing for the events the caller appended, and drops an entry that is not where the caller began', () => {
    const cache = new StreamStateCache<number>(10);
    const { evolve, applied } = summing();
    cache.fold('s', [added(1), added(2)], () => 0, evolve);
    cache.advance('s', 2, [added(3), added(4)], 10);
    expect(cache.fold('s', [added(1), added(2), added(3), added(4)], () => 0, evolve)).toBe(10);
    expect(applied()).toBe(2);
    expect(cache.holds('s', 'e4')).toBe(true);
    // The caller began at version 3, the cache is at 4: what it remembers may not be the stream's.
    cache.advance('s', 3, [added(5)], 15);
    expect(cache.holds('s', 'e1')).toBeUndefined();
    // A new stream: nothing folded, advanced from 0.
    cache.advance('t', 0, [added(7)], 7);
    expect(cache.fold('t', [added(7)], () => 0, evolve)).toBe(7);
    expect(applied()).toBe(2);
  });
});
