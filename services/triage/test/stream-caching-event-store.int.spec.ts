import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createPostgresEventStore } from '@varde/event-sourcing';
import { freshSchema } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { streamCachingEventStore } from '../src/infrastructure/stream-caching-event-store';

describe('triage streams read incrementally (real PostgreSQL)', () => {
  let store: PostgresEventStore;
  let otherInstance: PostgresEventStore;
  const schema = freshSchema('streamcache');

  beforeAll(async () => {
    const databaseUrl = inject('databaseUrl');
    store = await createPostgresEventStore({ databaseUrl, schema });
    // A second writer on the same schema: another triage instance, or an API command.
    otherInstance = await createPostgresEventStore({ databaseUrl, schema });
  });

  afterAll(async () => {
    await Promise.all([store.close(), otherInstance.close()]);
  });

  const noted = (n: number) => ({ type: 'InputNoted', data: { n } });
  const numbers = (result: Awaited<ReturnType<PostgresEventStore['readStream']>>) => result.events.map((e) => (e.data as { n: number }).n);

  it("returns every event in order with the stream's version, including what another writer appended since the last read", async () => {
    const cached = streamCachingEventStore(store, { streams: /^triage-/, maxEvents: 1_000 });
    const stream = `triage-${randomUUID()}`;
    expect((await cached.readStream(stream)).streamExists).toBe(false);
    await store.appendToStream(stream, [noted(1), noted(2)]);
    expect(numbers(await cached.readStream(stream))).toEqual([1, 2]);
    await otherInstance.appendToStream(stream, [noted(3)]);
    await cached.appendToStream(stream, [noted(4)], { expectedStreamVersion: 3n });
    const read = await cached.readStream(stream);
    expect(numbers(read)).toEqual([1, 2, 3, 4]);
    expect(read.currentStreamVersion).toBe(4n);
    expect(read.events.map((e) => e.metadata.streamPosition)).toEqual([1n, 2n, 3n, 4n]);
    // Nothing new: the same answer, and a range read still goes to the store as asked.
    expect(numbers(await cached.readStream(stream))).toEqual([1, 2, 3, 4]);
    expect(numbers(await cached.readStream(stream, { from: 3n }))).toEqual([3, 4]);
  });

  it('a decision on a remembered stream still meets the optimistic concurrency check', async () => {
    const cached = streamCachingEventStore(store, { streams: /^triage-/, maxEvents: 1_000 });
    const stream = `triage-${randomUUID()}`;
    await store.appendToStream(stream, [noted(1)]);
    const seen = await cached.readStream(stream);
    await otherInstance.appendToStream(stream, [noted(2)]);
    await expect(cached.appendToStream(stream, [noted(3)], { expectedStreamVersion: seen.currentStreamVersion })).rejects.toThrow();
    expect(numbers(await cached.readStream(stream))).toEqual([1, 2]);
  });

  it('keeps at most the configured number of events, dropping the stream read longest ago, and still answers in full', async () => {
    const cached = streamCachingEventStore(store, { streams: /^triage-/, maxEvents: 5 });
    const [a, b, big] = [`triage-${randomUUID()}`, `triage-${randomUUID()}`, `triage-${randomUUID()}`];
    await store.appendToStream(a, [noted(1), noted(2), noted(3)]);
    await store.appendToStream(b, [noted(10), noted(11), noted(12)]);
    await store.appendToStream(big, Array.from({ length: 8 }, (_, i) => noted(100 + i)));
    expect(numbers(await cached.readStream(a))).toEqual([1, 2, 3]);
    expect(numbers(await cached.readStream(b))).toEqual([10, 11, 12]);
    expect(numbers(await cached.readStream(big))).toHaveLength(8);
    await otherInstance.appendToStream(a, [noted(4)]);
    expect(numbers(await cached.readStream(a))).toEqual([1, 2, 3, 4]);
    expect(numbers(await cached.readStream(b))).toEqual([10, 11, 12]);
  });

  it('leaves streams it is not asked to remember alone', async () => {
    const cached = streamCachingEventStore(store, { streams: /^triage-/, maxEvents: 1_000 });
    const stream = `alert-${randomUUID()}`;
    await store.appendToStream(stream, [noted(1)]);
    expect(numbers(await cached.readStream(stream))).toEqual([1]);
    await otherInstance.appendToStream(stream, [noted(2)]);
    expect(numbers(await cached.readStream(stream))).toEqual([1, 2]);
  });
});
