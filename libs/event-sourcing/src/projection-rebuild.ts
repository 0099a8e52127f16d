import type { DomainEvent } from '@varde/core';
import type pg from 'pg';
import { messagesTable } from '@event-driven-io/emmett-postgresql';
import { recordedEventOf, type MessageRow } from './postgres-multi-stream';
import type { RecordedEvent } from './stored-event';

/** A read model that can be dropped and rebuilt from a service's event log. */
export type RebuildableProjection = Readonly<{
  /** The tables the projection writes (in the service's schema); emptied before the replay. */
  tables: readonly string[];
  /** The event types it reads; the replay skips every other. */
  eventTypes: readonly string[];
  /** Applies events (in the order they were written) in the rebuild's transaction, as the live projection does. */
  apply: (tx: pg.ClientBase, events: readonly RecordedEvent<DomainEvent>[]) => Promise<void>;
}>;

/** What a rebuild did. */
export type RebuildReport = Readonly<{ events: number; rows: Readonly<Record<string, number>>; ms: number }>;

/** Options of {@link rebuildProjection}. */
export type RebuildOptions = Readonly<{ batchSize?: number; onProgress?: (eventsApplied: number) => void }>;

const READ_AFTER = `SELECT stream_id, stream_position::text, global_position::text, message_type, message_data, message_metadata, message_id
  FROM ${messagesTable.name}
 WHERE global_position > $1 AND message_type = ANY($2::text[]) AND is_archived = FALSE
 ORDER BY global_position
 LIMIT $3`;

/**
 * Drops a projection's rows and replays the event log through it, in one transaction: readers see the old rows
 * until it commits, and the service's own writes to those tables wait for it (an exclusive lock that still lets
 * reads through), so a rebuild while the service runs loses no update — a write waiting for the lock lands on
 * top of the rebuilt rows, as it would have on the old ones. Events are read in the order they were written
 * (global position), in batches.
 */
export async function rebuildProjection(pool: pg.Pool, projection: RebuildableProjection, options: RebuildOptions = {}): Promise<RebuildReport> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 1_000;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const tables = projection.tables.map((table) => `"${table}"`).join(', ');
    await client.query(`LOCK TABLE ${tables} IN EXCLUSIVE MODE`);
    for (const table of projection.tables) await client.query(`DELETE FROM "${table}"`);
    let after = '0';
    let events = 0;
    for (;;) {
      const { rows } = await client.query<MessageRow>(READ_AFTER, [after, projection.eventTypes, batchSize]);
      if (rows.length === 0) break;
      await projection.apply(client, rows.map((row) => recordedEventOf(row)));
      events += rows.length;
      after = rows[rows.length - 1]!.global_position;
      options.onProgress?.(events);
    }
    const rows: Record<string, number> = {};
    for (const table of projection.tables) rows[table] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n);
    await client.query('COMMIT');
    return { events, rows, ms: Date.now() - started };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
