import { defaultTag, messagesTable, streamsTable, unknownTag } from '@event-driven-io/emmett-postgresql';
import type { DomainEvent } from '@varde/core';
import type pg from 'pg';
import { preparedStatement } from './prepared-statement';
import type { RecordedEvent, StoredEvent } from './stored-event';

// Emmett 0.42 appends one stream per call, each in its own transaction (`emt_append_to_stream`): a batch of
// 500 new streams costs 500 transactions. These functions write and read the same tables, rows and JSON as
// Emmett's `appendToStream` and `readStream` (default partition, schema version '1', kind 'E', metadata
// without `messageId`, which has its own column), so Emmett, the relay and projections cannot tell the
// difference — for many streams in one statement.

/** A stream to create with its first events (positions 1…n). */
export type NewStream<E extends DomainEvent = DomainEvent> = Readonly<{ streamName: string; events: readonly StoredEvent<E>[] }>;

/** What {@link appendToNewStreams} wrote, and which streams it left alone because they already existed. */
export type NewStreamsAppendResult<E extends DomainEvent = DomainEvent> = Readonly<{
  /** The streams created, each with its events as Emmett's append reports them (stream and global positions set). */
  created: readonly (readonly RecordedEvent<E>[])[];
  /** Streams that existed (or were created by a concurrent writer that committed first): nothing was written to them. */
  existing: readonly string[];
}>;

/** A row of Emmett's messages table as the queries here read it (positions as text). */
export type MessageRow = { stream_id: string; stream_position: string; global_position: string; message_type: string; message_data: unknown; message_metadata: Record<string, unknown>; message_id: string };

// Sorting the streams makes concurrent appends of overlapping sets take the primary key's locks in one order,
// so they wait for each other instead of deadlocking. The messages follow their input order, which is the
// order of their global positions.
const APPEND = preparedStatement(`
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS s(stream_id, stream_type, stream_position)
), created AS (
  INSERT INTO ${streamsTable.name} (stream_id, stream_position, partition, stream_type, stream_metadata, is_archived)
  SELECT stream_id, stream_position, $4, stream_type, '{}'::jsonb, FALSE FROM input ORDER BY stream_id
  ON CONFLICT DO NOTHING
  RETURNING stream_id
), written AS (
  INSERT INTO ${messagesTable.name}
    (stream_id, stream_position, partition, message_data, message_metadata, message_schema_version, message_type, message_kind, message_id, transaction_id)
  SELECT m.stream_id, m.stream_position, $4, m.message_data, m.message_metadata, '1', m.message_type, 'E', m.message_id, pg_current_xact_id()
    FROM jsonb_to_recordset($5::jsonb)
         AS m(n int, stream_id text, stream_position bigint, message_data jsonb, message_metadata jsonb, message_type text, message_id text)
   WHERE m.stream_id IN (SELECT stream_id FROM created)
   ORDER BY m.n
  RETURNING stream_id, stream_position, global_position
)
SELECT stream_id, stream_position::text, global_position::text FROM written`);

const READ = preparedStatement(`
SELECT stream_id, stream_position::text, global_position::text, message_type, message_data, message_metadata, message_id
  FROM ${messagesTable.name}
 WHERE stream_id = ANY($1::text[]) AND partition = $2 AND is_archived = FALSE
 ORDER BY ${messagesTable.name}.stream_id, ${messagesTable.name}.stream_position`);

/** Emmett's JSON: bigints as strings (the replacer only when there are any: it slows every value down). */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

/** Emmett's stream type: the part of the name before the first `-` (`measurement-…` → `measurement`). */
export function streamTypeOf(streamName: string): string {
  const [first, ...rest] = streamName.split('-');
  return first && rest.length > 0 ? first : unknownTag;
}

/**
 * Creates many streams with their first events in one statement: the `emt_streams` rows (expected version
 * "stream does not exist", enforced by the table's primary key) and the `emt_messages` rows, with global
 * positions in input order and the current transaction's id. Run it on a client inside a transaction to
 * commit other writes (a read model) with the events. A stream that already exists — or that a concurrent
 * writer creates first — is not touched and is reported in `existing`; the others are written.
 */
export async function appendToNewStreams<E extends DomainEvent>(client: pg.ClientBase, streams: readonly NewStream<E>[]): Promise<NewStreamsAppendResult<E>> {
  if (new Set(streams.map((s) => s.streamName)).size !== streams.length) throw new Error('appendToNewStreams: each stream may be given once');
  const appending = streams.filter((s) => s.events.length > 0);
  if (appending.length === 0) return { created: [], existing: [] };
  // The messages go as one JSON document: pg would otherwise escape every JSON text as an array element.
  let n = 0;
  const messages = appending.flatMap((s) =>
    s.events.map(({ type, data, metadata: { messageId, ...metadata } }, i) => ({ n: n++, stream_id: s.streamName, stream_position: i + 1, message_data: data, message_metadata: metadata, message_type: type, message_id: messageId })),
  );
  const { rows } = await client.query<{ stream_id: string; stream_position: string; global_position: string }>({
    ...APPEND,
    values: [appending.map((s) => s.streamName), appending.map((s) => streamTypeOf(s.streamName)), appending.map((s) => s.events.length), defaultTag, toJson(messages)],
  });
  const globalPositions = new Map(rows.map((r) => [`${r.stream_id}#${r.stream_position}`, BigInt(r.global_position)]));
  const created: RecordedEvent<E>[][] = [];
  const existing: string[] = [];
  for (const { streamName, events } of appending) {
    if (!globalPositions.has(`${streamName}#1`)) {
      existing.push(streamName);
      continue;
    }
    created.push(
      events.map((event, i) => ({
        ...event,
        metadata: { ...event.metadata, streamName, streamPosition: BigInt(i + 1), globalPosition: globalPositions.get(`${streamName}#${i + 1}`)! },
      })),
    );
  }
  return { created, existing };
}

/**
 * The events of many streams in one query, each stream's in order, exactly as Emmett's `readStream` returns
 * them; a stream without events is absent from the map.
 */
export async function readStreams<E extends DomainEvent>(db: pg.Pool | pg.ClientBase, streamNames: readonly string[]): Promise<Map<string, RecordedEvent<E>[]>> {
  const streams = new Map<string, RecordedEvent<E>[]>();
  if (streamNames.length === 0) return streams;
  const { rows } = await db.query<MessageRow>({ ...READ, values: [[...new Set(streamNames)], defaultTag] });
  for (const row of rows) {
    const event = recordedEventOf<E>(row);
    const events = streams.get(row.stream_id);
    if (events) events.push(event);
    else streams.set(row.stream_id, [event]);
  }
  return streams;
}

/** An event as Emmett's `readStream` returns it, from a row of its messages table. */
export function recordedEventOf<E extends DomainEvent>(row: MessageRow): RecordedEvent<E> {
  return {
    type: row.message_type,
    data: row.message_data,
    kind: 'Event',
    metadata: { ...row.message_metadata, messageId: row.message_id, streamName: row.stream_id, streamPosition: BigInt(row.stream_position), globalPosition: BigInt(row.global_position) },
  } as unknown as RecordedEvent<E>;
}
