import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { withStoreOverrides } from '@varde/event-sourcing';

/** Options of {@link streamCachingEventStore}. */
export type StreamCacheOptions = Readonly<{
  /** Streams whose events are kept, e.g. `/^triage-/`. */
  streams: RegExp;
  /** Most events kept over all streams; the streams read longest ago go first. */
  maxEvents: number;
}>;

type ReadResult = Awaited<ReturnType<PostgresEventStore['readStream']>>;
type CachedStream = { events: ReadResult['events']; version: bigint };

/**
 * The event store, remembering the events of recently read streams so the next read of a stream fetches only
 * what was appended since. A patient's triage stream gains an event with every input, and every assessment
 * folds the whole stream: reading all of it each time made an assessment cost grow with the patient's history.
 * Events are never rewritten, so a remembered prefix stays true; whatever another writer (or instance)
 * appended since is always read from the store. Reads with options (a range) go to the store as asked.
 */
export function streamCachingEventStore(store: PostgresEventStore, options: StreamCacheOptions): PostgresEventStore {
  const cache = new Map<string, CachedStream>();
  let cachedEvents = 0;

  const forget = (streamName: string): void => {
    const cached = cache.get(streamName);
    if (!cached) return;
    cache.delete(streamName);
    cachedEvents -= cached.events.length;
  };

  const keep = (streamName: string, stream: CachedStream): void => {
    forget(streamName);
    if (stream.events.length > options.maxEvents) return;
    // A Map iterates in insertion order: the first key is the stream read longest ago.
    while (cachedEvents + stream.events.length > options.maxEvents && cache.size > 0) forget(cache.keys().next().value!);
    cache.set(streamName, stream);
    cachedEvents += stream.events.length;
  };

  const readStream = (async (streamName: string, readOptions?: unknown) => {
    if (readOptions !== undefined || !options.streams.test(streamName)) return store.readStream(streamName, readOptions as never);
    const cached = cache.get(streamName);
    if (!cached) {
      const result = await store.readStream(streamName);
      if (result.streamExists) keep(streamName, { events: result.events, version: result.currentStreamVersion });
      return result;
    }
    const newer = await store.readStream(streamName, { from: cached.version + 1n });
    const stream: CachedStream = newer.events.length === 0 ? cached : { events: [...cached.events, ...newer.events], version: newer.currentStreamVersion };
    keep(streamName, stream);
    return { currentStreamVersion: stream.version, events: stream.events, streamExists: true };
  }) as PostgresEventStore['readStream'];

  return withStoreOverrides(store, { readStream });
}
