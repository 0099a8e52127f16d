import { randomUUID } from 'node:crypto';
import {
  ExpectedVersionConflictError,
  NO_CONCURRENCY_CHECK,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  assertExpectedVersionMatchesCurrent,
  downcastRecordedMessages,
  upcastRecordedMessage,
  type AnyReadEventMetadata,
  type Event,
  type EventStore,
  type ExpectedStreamVersion,
  type ReadEvent,
} from '@event-driven-io/emmett';
import {
  ANY,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS as KURRENT_STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendStreamState,
  type CurrentStreamState,
  type JSONType,
  type RecordedEvent,
} from '@kurrent/kurrentdb-client';

/** Emmett's event store over KurrentDB, with the client's connection to close on shutdown. */
export type KurrentDBEventStore = EventStore & { close(): Promise<void> };

// Emmett counts events (version n = n events, positions start at 1, an empty stream is 0), KurrentDB numbers
// them from revision 0. Every translation between the two goes through these two functions.
const EMPTY_STREAM_VERSION = 0n;
const positionOf = (revision: bigint): bigint => revision + 1n;

/**
 * An Emmett `EventStore` on KurrentDB (`kurrentdb://host:2113?tls=false`), behaving exactly like the PostgreSQL
 * store: same versions and positions, same metadata on read, `ExpectedVersionConflictError` on a conflict.
 * `metadata.messageId` becomes the KurrentDB event id, so a retried append with deterministic ids is idempotent.
 */
export function createKurrentDBEventStore(connectionString: string): KurrentDBEventStore {
  const client = KurrentDBClient.connectionString(connectionString);

  const readStream: EventStore['readStream'] = async (streamName, options) => {
    // Same range arithmetic as Emmett's PostgreSQL store, so both answer a ranged read identically.
    const from = options?.from ?? 0n;
    const to = options?.to ?? (options?.maxCount ? from + options.maxCount : undefined);
    const events: ReadEvent<Event, AnyReadEventMetadata>[] = [];
    try {
      for await (const { event } of client.readStream(streamName, { fromRevision: from > 0n ? from - 1n : START })) {
        if (!event) continue;
        if (to !== undefined && positionOf(event.revision) > to) break;
        events.push(upcastRecordedMessage(toReadEvent(event), options?.schema?.versioning as never));
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    const last = events.at(-1);
    return last
      ? { currentStreamVersion: last.metadata.streamPosition, events: events as never[], streamExists: true }
      : { currentStreamVersion: EMPTY_STREAM_VERSION, events: [], streamExists: false };
  };

  return {
    readStream,

    async aggregateStream(streamName, { evolve, initialState, read }) {
      const { events, currentStreamVersion, streamExists } = await readStream(streamName, read);
      assertExpectedVersionMatchesCurrent(currentStreamVersion, read?.expectedStreamVersion, EMPTY_STREAM_VERSION);
      const fold = evolve as (state: ReturnType<typeof initialState>, event: (typeof events)[number]) => ReturnType<typeof initialState>;
      return { currentStreamVersion, state: events.reduce(fold, initialState()), streamExists };
    },

    async appendToStream(streamName, events, options) {
      const expected = options?.expectedStreamVersion ?? NO_CONCURRENCY_CHECK;
      const toAppend = downcastRecordedMessages(events as Event[], options?.schema?.versioning as never).map((message) => {
        // Like the PostgreSQL store, the id lives beside the metadata, not inside it.
        const { messageId, ...metadata } = ('metadata' in message ? message.metadata : {}) as Record<string, unknown>;
        return jsonEvent({
          id: typeof messageId === 'string' ? messageId : randomUUID(),
          type: message.type,
          data: message.data as JSONType,
          metadata,
        });
      });
      try {
        const result = await client.appendToStream(streamName, toAppend, { streamState: toStreamState(expected) });
        const nextExpectedStreamVersion = positionOf(result.nextExpectedRevision);
        return { nextExpectedStreamVersion, createdNewStream: nextExpectedStreamVersion === BigInt(events.length) };
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) throw new ExpectedVersionConflictError(toStreamVersion(error.actualState), expected);
        throw error;
      }
    },

    async streamExists(streamName) {
      try {
        for await (const _event of client.readStream(streamName, { maxCount: 1 })) return true;
        return false;
      } catch (error) {
        if (error instanceof StreamNotFoundError) return false;
        throw error;
      }
    },

    close: () => client.dispose(),
  };
}

function toReadEvent(event: RecordedEvent): ReadEvent<Event, AnyReadEventMetadata> {
  const stored = event.metadata && typeof event.metadata === 'object' && !(event.metadata instanceof Uint8Array) ? event.metadata : {};
  return {
    type: event.type,
    data: event.data as Event['data'],
    kind: 'Event',
    metadata: {
      ...stored,
      messageId: event.id,
      streamName: event.streamId,
      streamPosition: positionOf(event.revision),
      ...(event.position ? { globalPosition: event.position.commit } : {}),
    },
  } as ReadEvent<Event, AnyReadEventMetadata>;
}

function toStreamState(expected: ExpectedStreamVersion): AppendStreamState {
  if (expected === NO_CONCURRENCY_CHECK) return ANY;
  if (expected === STREAM_DOES_NOT_EXIST || expected === EMPTY_STREAM_VERSION) return NO_STREAM;
  if (expected === STREAM_EXISTS) return KURRENT_STREAM_EXISTS;
  return (expected as bigint) - 1n;
}

function toStreamVersion(actual: CurrentStreamState | undefined): bigint {
  if (typeof actual === 'bigint') return positionOf(actual);
  // Unknown current version: -1 is what Emmett's PostgreSQL store reports in that case.
  return actual === NO_STREAM ? EMPTY_STREAM_VERSION : -1n;
}
