import { randomUUID } from 'node:crypto';
import {
  NO_CONCURRENCY_CHECK,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  isExpectedVersionConflictError,
  type EventStore,
} from '@event-driven-io/emmett';
import type { Decider, DomainCommand, DomainEvent, EventMetadata } from '@varde/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from './command-handler';
import type { StoredEvent } from './stored-event';

/** What a store under contract needs: the store and how to release it. */
export type EventStoreUnderTest = { store: EventStore; close(): Promise<void> };

type Counted = StoredEvent<DomainEvent<'Counted', { n: number }>>;
type Add = DomainCommand<'Add', { amount: number }>;
type Added = DomainEvent<'Added', { amount: number }>;
type Tally = { status: 'open'; total: number };

// The smallest decider that shows whether handleCommand lost or doubled an event: every Add adds to the total.
const tally: Decider<Add, Tally, Added> = {
  decide: (command) => [{ type: 'Added', data: { amount: command.data.amount } }],
  evolve: (state, event) => ({ status: 'open', total: state.total + event.data.amount }),
  initialState: () => ({ status: 'open', total: 0 }),
};

const newStream = (label: string): string => `contract-${label}-${randomUUID()}`;

const metadata = (): EventMetadata => ({
  messageId: randomUUID(),
  correlationId: randomUUID(),
  causationId: randomUUID(),
  actor: { subject: 'clinician-7', role: 'clinician', organisation: 'trust-a', onBehalfOf: 'patient-3' },
  effectiveTime: '2025-03-01T08:00:00.000Z',
  recordedTime: '2025-03-01T08:00:01.250Z',
  schemaVersion: 2,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'varde=t61rcWkgMzE',
});

const counted = (...ns: number[]): Counted[] => ns.map((n) => ({ type: 'Counted', data: { n }, metadata: metadata() }));

const add = (amount: number, commandId = randomUUID()): Add => ({
  type: 'Add',
  data: { amount },
  metadata: { commandId, correlationId: randomUUID(), actor: { subject: 'device-gw', role: 'system' }, now: '2025-03-01T08:00:00.000Z' },
});

const conflict = (error: unknown): boolean => isExpectedVersionConflictError(error);

/**
 * The behaviour every Varde event store must show, whatever is underneath: versions count events, positions
 * start at 1, metadata survives the round trip, and optimistic concurrency lets exactly one writer win.
 */
export function eventStoreContract(name: string, factory: () => Promise<EventStoreUnderTest>): void {
  describe(`${name} event store contract`, () => {
    let underTest: EventStoreUnderTest;
    let store: EventStore;

    beforeAll(async () => {
      underTest = await factory();
      store = underTest.store;
    });
    afterAll(async () => {
      await underTest?.close();
    });

    const read = async (streamName: string) => (await store.readStream<Counted>(streamName)).events;

    it('appends to a new stream and reads back the data and all of Varde metadata', async () => {
      const streamName = newStream('round-trip');
      const [event] = counted(41);

      const appended = await store.appendToStream(streamName, [event!], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
      const result = await store.readStream<Counted>(streamName);

      expect(appended.nextExpectedStreamVersion).toBe(1n);
      expect(result.streamExists).toBe(true);
      expect(result.currentStreamVersion).toBe(1n);
      expect(result.events).toHaveLength(1);
      expect(result.events[0]).toMatchObject({ type: 'Counted', data: { n: 41 } });
      expect(result.events[0]!.metadata).toMatchObject({ ...event!.metadata, streamName, streamPosition: 1n });
    });

    it('counts the stream version in events: 1 after one event, 3 after three', async () => {
      const streamName = newStream('versions');

      const first = await store.appendToStream(streamName, counted(1), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
      const second = await store.appendToStream(streamName, counted(2, 3), { expectedStreamVersion: 1n });
      const result = await store.readStream<Counted>(streamName);

      expect(first.nextExpectedStreamVersion).toBe(1n);
      expect(second.nextExpectedStreamVersion).toBe(3n);
      expect(result.currentStreamVersion).toBe(3n);
      expect(result.events.map((e) => e.metadata.streamPosition)).toEqual([1n, 2n, 3n]);
      expect(result.events.map((e) => e.data.n)).toEqual([1, 2, 3]);
      expect(await store.streamExists(streamName)).toBe(true);
    });

    it('rejects an append with a stale expected version and writes nothing', async () => {
      const streamName = newStream('stale');
      await store.appendToStream(streamName, counted(1, 2), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });

      const stale = store.appendToStream(streamName, counted(3), { expectedStreamVersion: 1n });

      await expect(stale).rejects.toSatisfy(conflict);
      expect((await read(streamName)).map((e) => e.data.n)).toEqual([1, 2]);
    });

    it('rejects STREAM_DOES_NOT_EXIST on a stream that exists, and STREAM_EXISTS on one that does not', async () => {
      const existing = newStream('exists');
      const missing = newStream('missing');
      await store.appendToStream(existing, counted(1), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });

      await expect(store.appendToStream(existing, counted(2), { expectedStreamVersion: STREAM_DOES_NOT_EXIST })).rejects.toSatisfy(conflict);
      await expect(store.appendToStream(missing, counted(1), { expectedStreamVersion: STREAM_EXISTS })).rejects.toSatisfy(conflict);

      expect((await read(existing)).map((e) => e.data.n)).toEqual([1]);
      expect(await store.streamExists(missing)).toBe(false);
    });

    it('appends without a check when asked for NO_CONCURRENCY_CHECK or STREAM_EXISTS', async () => {
      const streamName = newStream('unchecked');

      await store.appendToStream(streamName, counted(1), { expectedStreamVersion: NO_CONCURRENCY_CHECK });
      const next = await store.appendToStream(streamName, counted(2), { expectedStreamVersion: STREAM_EXISTS });

      expect(next.nextExpectedStreamVersion).toBe(2n);
      expect((await read(streamName)).map((e) => e.data.n)).toEqual([1, 2]);
    });

    it('folds a stream with aggregateStream and checks its expected version', async () => {
      const streamName = newStream('fold');
      await store.appendToStream(streamName, counted(1, 2, 3), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
      const sum = { evolve: (total: number, event: Counted) => total + event.data.n, initialState: () => 0 };

      const folded = await store.aggregateStream(streamName, sum);

      expect(folded).toEqual({ state: 6, currentStreamVersion: 3n, streamExists: true });
      await expect(store.aggregateStream(streamName, { ...sum, read: { expectedStreamVersion: 2n } })).rejects.toSatisfy(conflict);
    });

    it('reads a missing stream as empty and not existing', async () => {
      const streamName = newStream('nothing');

      const result = await store.readStream(streamName);
      const folded = await store.aggregateStream(streamName, { evolve: (n: number) => n + 1, initialState: () => 0 });

      expect(result).toEqual({ events: [], currentStreamVersion: 0n, streamExists: false });
      expect(folded).toEqual({ state: 0, currentStreamVersion: 0n, streamExists: false });
      expect(await store.streamExists(streamName)).toBe(false);
    });

    it('lets exactly one of 10 concurrent appends with the same expected version win', async () => {
      const fresh = newStream('race-new');
      const existing = newStream('race-existing');
      await store.appendToStream(existing, counted(0), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
      const racers = Array.from({ length: 10 }, (_, i) => i + 1);

      const onFresh = await Promise.allSettled(racers.map((n) => store.appendToStream(fresh, counted(n), { expectedStreamVersion: STREAM_DOES_NOT_EXIST })));
      const onExisting = await Promise.allSettled(racers.map((n) => store.appendToStream(existing, counted(n), { expectedStreamVersion: 1n })));

      for (const [streamName, outcomes, version] of [[fresh, onFresh, 1n], [existing, onExisting, 2n]] as const) {
        const winners = outcomes.filter((o) => o.status === 'fulfilled');
        const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers.every((o) => conflict(o.reason))).toBe(true);
        const { events, currentStreamVersion } = await store.readStream<Counted>(streamName);
        expect(currentStreamVersion).toBe(version);
        expect(events).toHaveLength(Number(version));
      }
    });

    it('handleCommand: the same command twice writes once', async () => {
      const streamName = newStream('retried-command');
      const command = add(5);

      const first = await handleCommand(store, streamName, tally, command);
      const again = await handleCommand(store, streamName, tally, command);

      expect(first.alreadyHandled).toBe(false);
      expect(again.alreadyHandled).toBe(true);
      expect(again.events.map((e) => e.metadata.messageId)).toEqual(first.events.map((e) => e.metadata.messageId));
      expect(again.state).toEqual({ status: 'open', total: 5 });
      expect(await read(streamName)).toHaveLength(1);
    });

    it('handleCommand: two different concurrent commands both land', async () => {
      const streamName = newStream('concurrent-commands');

      const results = await Promise.all([handleCommand(store, streamName, tally, add(2)), handleCommand(store, streamName, tally, add(3))]);

      expect(results.every((r) => !r.alreadyHandled)).toBe(true);
      const { state, currentStreamVersion } = await store.aggregateStream(streamName, {
        evolve: (s: Tally, e: Added) => tally.evolve(s, e),
        initialState: tally.initialState,
      });
      expect(state).toEqual({ status: 'open', total: 5 });
      expect(currentStreamVersion).toBe(2n);
    });
  });
}
