import type { DomainEvent } from '@varde/core';
import type pg from 'pg';
import { messagesTable } from '@event-driven-io/emmett-postgresql';
import { recordedEventOf, type MessageRow } from './postgres-multi-stream';
import type { RecordedEvent } from './stored-event';
import { inTransaction } from '@varde/database';

/**
 * A read model that can be dropped and rebuilt from a service's event log: either replayed event by event through
 * `apply` (the live projection's code) in the order the events were written, or refilled by its own `refill`, for
 * one that folds whole streams at once (measurements' views, one row per stream).
 */
export type RebuildableProjection = Readonly<{
  /** The tables the projection writes (in the service's schema; none for one that only replays); emptied before the replay. */
  tables: readonly string[];
  /**
   * How the tables are emptied: `delete` (default) keeps them readable, with the old rows, until the rebuild commits;
   * `truncate` is faster on a large table but makes its readers wait for the commit; `keep` empties nothing, for
   * columns the log derives in a table that also holds what is not in the log (pathways' sealed names and their care
   * teams): the rebuild updates its rows in place, the tables locked against writes as with `delete`.
   */
  empty?: 'delete' | 'truncate' | 'keep';
}> &
  (
    | Readonly<{
        /** The event types it reads; the replay skips every other. */
        eventTypes: readonly string[];
        /** Applies events (in the order they were written) in the rebuild's transaction, as the live projection does. */
        apply: (tx: pg.ClientBase, events: readonly RecordedEvent<DomainEvent>[]) => Promise<void>;
      }>
    | Readonly<{
        /** Refills the emptied tables in the rebuild's transaction; reports progress in events read; returns how many it read. */
        refill: (tx: pg.ClientBase, onProgress: (eventsRead: number) => void) => Promise<number>;
      }>
  );

/** What a rebuild did. */
export type RebuildReport = Readonly<{ events: number; rows: Readonly<Record<string, number>>; ms: number }>;

/** Options of {@link rebuildProjection}. */
export type RebuildOptions = Readonly<{ batchSize?: number; onProgress?: (eventsApplied: number) => void }>;

// ORDER BY names the table's columns: the bare names are the text output columns, which sort as text ("100" before
// "97"), so events would replay out of order once positions gain a digit (the relay learned this first).
const READ_AFTER = `SELECT stream_id, stream_position::text, global_position::text, message_type, message_data, message_metadata, message_id
  FROM ${messagesTable.name}
 WHERE global_position > $1 AND message_type = ANY($2::text[]) AND is_archived = FALSE
 ORDER BY ${messagesTable.name}.global_position
 LIMIT $3`;

/**
 * Drops a projection's rows and rebuilds them from the event log, in one transaction: readers see the old rows
 * until it commits (unless the projection empties by `truncate`), and the service's own writes to those tables wait
 * for it, so a rebuild while the service runs loses no update — a write waiting for the lock lands on top of the
 * rebuilt rows, as it would have on the old ones.
 */
export async function rebuildProjection(pool: pg.Pool, projection: RebuildableProjection, options: RebuildOptions = {}): Promise<RebuildReport> {
  const started = Date.now();
  return inTransaction(pool, async (client) => {
    const onProgress = options.onProgress ?? (() => undefined);
    await emptyForRebuild(client, projection);
    const events = 'refill' in projection ? await projection.refill(client, onProgress) : await replay(client, projection, options.batchSize ?? 1_000, onProgress);
    const rows: Record<string, number> = {};
    for (const table of projection.tables) rows[table] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n);
    return { events, rows, ms: Date.now() - started };
  });
}

/** Empties (or, with `keep`, only locks) the projection's tables in the rebuild's transaction. */
async function emptyForRebuild(client: pg.ClientBase, projection: RebuildableProjection): Promise<void> {
  // A projection that keeps no table of its own (it only replays) has nothing to empty or lock.
  if (projection.tables.length === 0) return;
  const tables = projection.tables.map((table) => `"${table}"`).join(', ');
  if (projection.empty === 'truncate') {
    await client.query(`TRUNCATE ${tables}`);
    return;
  }
  await client.query(`LOCK TABLE ${tables} IN EXCLUSIVE MODE`);
  if (projection.empty !== 'keep') for (const table of projection.tables) await client.query(`DELETE FROM "${table}"`);
}

/** Replays the events of the projection's types through its `apply`, in global order, in batches; returns how many. */
async function replay(
  client: pg.ClientBase,
  projection: Extract<RebuildableProjection, { apply: unknown }>,
  batchSize: number,
  onProgress: (eventsApplied: number) => void,
): Promise<number> {
  let after = '0';
  let events = 0;
  for (;;) {
    const { rows } = await client.query<MessageRow>(READ_AFTER, [after, projection.eventTypes, batchSize]);
    if (rows.length === 0) return events;
    await projection.apply(client, rows.map((row) => recordedEventOf(row)));
    events += rows.length;
    after = rows[rows.length - 1]!.global_position;
    onProgress(events);
  }
}

/** A stream folded to its last event, as a {@link streamFoldProjection} writes it. */
export type FoldedStream<S> = Readonly<{ streamId: string; state: S; version: number; lastRecordedAt: string }>;

/** What a {@link streamFoldProjection} folds and writes. */
export type StreamFold<S, E extends DomainEvent> = Readonly<{
  /** The tables the projection writes (in the service's schema); emptied before the refill. */
  tables: readonly string[];
  /** How the tables are emptied (see {@link RebuildableProjection}). */
  empty?: 'delete' | 'truncate' | 'keep';
  /** The streams folded: every stream whose id starts with this. */
  streamPrefix: string;
  /** Streams folded per batch written (default 1 000 events read per query). */
  batchSize?: number;
  initialState: () => S;
  /** The decider's evolve, or any fold over the stream's events with their positions and recorded times. */
  evolve: (state: S, event: RecordedEvent<E>) => S;
  /** Writes a batch of folded streams in the rebuild's transaction, as the live code writes one after its command. */
  write: (tx: pg.ClientBase, streams: readonly FoldedStream<S>[]) => Promise<void>;
}>;

type StreamRow = MessageRow & { created: Date };

const READ_STREAMS = `SELECT stream_id, stream_position::text, global_position::text, message_type, message_data, message_metadata, message_id, created
  FROM ${messagesTable.name}
 WHERE is_archived = FALSE AND stream_id LIKE $1 AND (stream_id, stream_position) > ($2, $3::bigint)
 ORDER BY ${messagesTable.name}.stream_id, ${messagesTable.name}.stream_position
 LIMIT $4`;

/**
 * A read model with one row (or a few) per stream, rebuilt by folding each stream to its end and writing what it
 * ended as — the state the live code writes in the transaction of the stream's last command (ADR 0011). Streams are
 * read in keyset order over (stream, position), so each arrives whole and in order at a flat cost per batch.
 */
export function streamFoldProjection<S, E extends DomainEvent>(fold: StreamFold<S, E>): RebuildableProjection {
  const batchSize = fold.batchSize ?? 1_000;
  const prefix = `${fold.streamPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return {
    tables: fold.tables,
    ...(fold.empty ? { empty: fold.empty } : {}),
    refill: async (client, onProgress) => {
      let read = 0;
      let after = { stream: '', position: '0' };
      let current: { streamId: string; state: S; version: number; lastRecordedAt: string } | undefined;
      for (;;) {
        const { rows } = await client.query<StreamRow>(READ_STREAMS, [prefix, after.stream, after.position, batchSize]);
        if (rows.length === 0) break;
        const done: FoldedStream<S>[] = [];
        for (const row of rows) {
          if (row.stream_id !== current?.streamId) {
            if (current) done.push(current);
            current = { streamId: row.stream_id, state: fold.initialState(), version: 0, lastRecordedAt: '' };
          }
          const event = recordedEventOf<E>(row);
          // Events written before recordedTime was kept carry only the row's creation time.
          const recordedAt = event.metadata.recordedTime ?? row.created.toISOString();
          current.state = fold.evolve(current.state, { ...event, metadata: { ...event.metadata, recordedTime: recordedAt } });
          current.version = Number(row.stream_position);
          current.lastRecordedAt = recordedAt;
        }
        if (done.length > 0) await fold.write(client, done);
        read += rows.length;
        onProgress(read);
        const last = rows[rows.length - 1]!;
        after = { stream: last.stream_id, position: last.stream_position };
      }
      if (current) await fold.write(client, [current]);
      return read;
    },
  };
}

