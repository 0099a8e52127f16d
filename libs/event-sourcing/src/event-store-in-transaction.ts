import { ExpectedVersionConflictError, NO_CONCURRENCY_CHECK, STREAM_DOES_NOT_EXIST, STREAM_EXISTS } from '@event-driven-io/emmett';
import { defaultTag, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type pg from 'pg';
import { withStoreOverrides } from './event-store-overrides';
import { streamTypeOf, toJson } from './postgres-multi-stream';

// Emmett's own append function, called with parameters on the caller's connection instead of in a transaction
// of Emmett's: the events then commit (or roll back) with whatever else the caller writes in that transaction.
const APPEND = `SELECT success, next_stream_position::text AS next_stream_position, global_positions::text[] AS global_positions
  FROM emt_append_to_stream($1::text[], $2::jsonb[], $3::jsonb[], $4::text[], $5::text[], $6::text[], $7::text, $8::text, $9::bigint, $10::text)`;

type AppendRow = { success: boolean; next_stream_position: string | null; global_positions: string[] | null };

/** The stream position Emmett's function expects: `null` = no check, 0 = the stream must not exist yet. */
function expectedPosition(expected: unknown): bigint | null {
  if (expected === undefined || expected === NO_CONCURRENCY_CHECK) return null;
  if (expected === STREAM_DOES_NOT_EXIST) return 0n;
  if (expected === STREAM_EXISTS) throw new Error('appending in a transaction does not support STREAM_EXISTS; pass the version read');
  return BigInt(expected as bigint);
}

/**
 * The event store, appending on `client` inside the caller's open transaction: the events commit together with
 * the caller's other writes (a consumer's processed-message record and read models), with one statement and no
 * commit of their own. Reads go to the store as before (they see committed events; a decision is checked by
 * the expected version at append). A version conflict is Emmett's ExpectedVersionConflictError, as from the
 * store; a stream created concurrently (unique violation) aborts the caller's transaction, which its retry
 * handles.
 */
export function eventStoreInTransaction(store: PostgresEventStore, client: pg.ClientBase): PostgresEventStore {
  const appendToStream = (async (streamName: string, events: readonly { type: string; data: unknown; metadata?: Record<string, unknown> }[], options?: { expectedStreamVersion?: unknown }) => {
    if (events.length === 0) throw new Error(`appendToStream(${streamName}): no events to append`);
    const metadata = events.map((e) => e.metadata ?? {});
    const ids = metadata.map((m) => m['messageId']);
    if (ids.some((id) => typeof id !== 'string')) throw new Error(`appendToStream(${streamName}): every event needs metadata.messageId`);
    const { rows } = await client.query<AppendRow>(APPEND, [
      ids,
      events.map((e) => toJson(e.data)),
      metadata.map(({ messageId: _messageId, ...rest }) => toJson(rest)),
      events.map(() => '1'),
      events.map((e) => e.type),
      events.map(() => 'E'),
      streamName,
      streamTypeOf(streamName),
      expectedPosition(options?.expectedStreamVersion)?.toString() ?? null,
      defaultTag,
    ]);
    const row = rows[0];
    if (!row?.success || row.next_stream_position === null || !row.global_positions?.length) {
      throw new ExpectedVersionConflictError(-1n, (options?.expectedStreamVersion ?? NO_CONCURRENCY_CHECK) as bigint);
    }
    const next = BigInt(row.next_stream_position);
    return { nextExpectedStreamVersion: next, lastEventGlobalPosition: BigInt(row.global_positions[row.global_positions.length - 1]!), createdNewStream: next === BigInt(events.length) };
  }) as unknown as PostgresEventStore['appendToStream'];

  return withStoreOverrides(store, { appendToStream });
}
