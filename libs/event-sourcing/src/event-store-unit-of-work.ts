import { ExpectedVersionConflictError, NO_CONCURRENCY_CHECK, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type pg from 'pg';
import { withStoreOverrides } from './event-store-overrides';
import { eventStoreInTransaction } from './event-store-in-transaction';

type ReadResult = Awaited<ReturnType<PostgresEventStore['readStream']>>;
type Event = ReadResult['events'][number];
type Stream = { read: readonly Event[]; version: bigint; existed: boolean; pending: Event[] };

/** An event store whose appends wait for {@link EventStoreUnitOfWork.flush}. */
export type EventStoreUnitOfWork = Readonly<{
  store: PostgresEventStore;
  /** Appends every stream's pending events on `client`, in its open transaction, one statement per stream. */
  flush: (client: pg.ClientBase) => Promise<void>;
}>;

/**
 * A unit of work over the event store, for several commands on the same streams in one transaction (a patient's
 * backlog of messages): each stream is read once; later reads see it as read plus what the earlier commands
 * appended; appends are checked against that version and kept until `flush` writes them all, each stream with
 * the version it was read at as the expected one — so a writer that got there first makes the flush fail, and
 * the caller's transaction with it. Reads with options (a range) go to the store.
 */
export function eventStoreUnitOfWork(store: PostgresEventStore): EventStoreUnitOfWork {
  const streams = new Map<string, Stream>();

  const load = async (streamName: string): Promise<Stream> => {
    let stream = streams.get(streamName);
    if (!stream) {
      const result = await store.readStream(streamName);
      stream = { read: result.events, version: result.currentStreamVersion, existed: result.streamExists, pending: [] };
      streams.set(streamName, stream);
    }
    return stream;
  };

  const readStream = (async (streamName: string, options?: unknown) => {
    if (options !== undefined) return store.readStream(streamName, options as never);
    const stream = await load(streamName);
    const events = stream.pending.length === 0 ? stream.read : [...stream.read, ...stream.pending];
    return { currentStreamVersion: stream.version + BigInt(stream.pending.length), events, streamExists: stream.existed || stream.pending.length > 0 };
  }) as PostgresEventStore['readStream'];

  const appendToStream = (async (streamName: string, events: readonly Event[], options?: { expectedStreamVersion?: unknown }) => {
    const stream = await load(streamName);
    const current = stream.version + BigInt(stream.pending.length);
    const expected = options?.expectedStreamVersion;
    const exists = stream.existed || stream.pending.length > 0;
    const matches = expected === undefined || expected === NO_CONCURRENCY_CHECK || (expected === STREAM_DOES_NOT_EXIST ? !exists : expected === current);
    if (!matches) throw new ExpectedVersionConflictError(current, expected as bigint);
    // Positioned as the store would read them back, so a later command of the unit recognises its own events.
    stream.pending.push(...events.map((e, i) => ({ ...e, metadata: { ...e.metadata, streamName, streamPosition: current + BigInt(i + 1) } }) as Event));
    return { nextExpectedStreamVersion: current + BigInt(events.length), lastEventGlobalPosition: 0n, createdNewStream: !exists };
  }) as unknown as PostgresEventStore['appendToStream'];

  const unit = withStoreOverrides(store, { readStream, appendToStream });

  const flush = async (client: pg.ClientBase): Promise<void> => {
    const inTransaction = eventStoreInTransaction(store, client);
    for (const [streamName, stream] of streams) {
      if (stream.pending.length === 0) continue;
      // Stored as Emmett stores them: positions are the table's, not part of the metadata.
      const events = stream.pending.map(({ metadata: { streamName: _s, streamPosition: _p, ...metadata }, ...event }) => ({ ...event, metadata }));
      await inTransaction.appendToStream(streamName, events as never[], { expectedStreamVersion: stream.existed ? stream.version : STREAM_DOES_NOT_EXIST } as never);
      stream.read = [...stream.read, ...stream.pending];
      stream.version += BigInt(stream.pending.length);
      stream.existed = true;
      stream.pending = [];
    }
  };

  return { store: unit, flush };
}
