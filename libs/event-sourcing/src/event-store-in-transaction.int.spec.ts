import { randomUUID } from 'node:crypto';
import { isExpectedVersionConflictError, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { freshSchema } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventStoreInTransaction } from './event-store-in-transaction';
import { eventStoreUnitOfWork } from './event-store-unit-of-work';
import { createPostgresEventStore } from './postgres-event-store';
import { schemaConnectionString } from '@varde/database';
import { inTransaction } from '@varde/database';

describe('appending inside the caller’s transaction, alone or as a unit of work (real PostgreSQL)', () => {
  const schema = freshSchema('intx');
  let store: PostgresEventStore;
  let pool: pg.Pool;

  beforeAll(async () => {
    const databaseUrl = inject('databaseUrl');
    store = await createPostgresEventStore({ databaseUrl, schema });
    pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 2 });
  });

  afterAll(async () => {
    await Promise.all([store.close(), pool.end()]);
  });

  const event = (n: number) => ({ type: 'InputNoted', data: { n, at: '2026-12-01T08:00:00.000Z' }, metadata: { messageId: randomUUID(), correlationId: 'c', causationId: 'c', schemaVersion: 1 } });
  const numbers = (events: readonly { data: unknown }[]) => events.map((e) => (e.data as { n: number }).n);

  it('writes exactly what Emmett’s own append writes, committed with the caller’s other writes', async () => {
    const [ours, emmetts] = [`triage-${randomUUID()}`, `triage-${randomUUID()}`];
    const first = [event(1), event(2)];
    await inTransaction(pool, async (client) => {
      const result = await eventStoreInTransaction(store, client).appendToStream(ours, first, { expectedStreamVersion: STREAM_DOES_NOT_EXIST } as never);
      expect(result.nextExpectedStreamVersion).toBe(2n);
      await eventStoreInTransaction(store, client).appendToStream(ours, [event(3)], { expectedStreamVersion: 2n });
    });
    await store.appendToStream(emmetts, first);
    await store.appendToStream(emmetts, [event(3)], { expectedStreamVersion: 2n });

    const [mine, theirs] = await Promise.all([store.readStream(ours), store.readStream(emmetts)]);
    expect(mine.currentStreamVersion).toBe(3n);
    const shape = (events: typeof mine.events) => events.map((e) => ({ type: e.type, data: e.data, metadata: { ...e.metadata, messageId: undefined, streamName: undefined, globalPosition: undefined } }));
    expect(shape(mine.events)).toEqual(shape(theirs.events));
    expect(mine.events.map((e) => e.metadata.messageId)).toEqual([...first.map((e) => e.metadata.messageId), expect.any(String)]);
    const rows = await pool.query<{ stream_type: string; tx_matches: boolean }>(
      `SELECT s.stream_type, bool_and(m.transaction_id IS NOT NULL) AS tx_matches FROM emt_streams s JOIN emt_messages m USING (stream_id) WHERE s.stream_id = ANY($1) GROUP BY s.stream_id, s.stream_type`,
      [[ours, emmetts]],
    );
    expect(rows.rows).toEqual([
      { stream_type: 'triage', tx_matches: true },
      { stream_type: 'triage', tx_matches: true },
    ]);
  });

  it('leaves nothing behind when the caller rolls back', async () => {
    const stream = `triage-${randomUUID()}`;
    const rollBack = new Error('the caller rolls back');
    const rolledBack = inTransaction(pool, async (client) => {
      await eventStoreInTransaction(store, client).appendToStream(stream, [event(1)]);
      throw rollBack;
    });
    await expect(rolledBack).rejects.toBe(rollBack);
    expect((await store.readStream(stream)).streamExists).toBe(false);
  });

  it('refuses a stale expected version with Emmett’s conflict error, and the transaction goes on', async () => {
    const stream = `triage-${randomUUID()}`;
    await store.appendToStream(stream, [event(1), event(2)]);
    const refused = await inTransaction(pool, async (client) => {
      const inTx = eventStoreInTransaction(store, client);
      const error = await inTx.appendToStream(stream, [event(3)], { expectedStreamVersion: 1n }).catch((e: unknown) => e);
      // Still usable: the retry a command handler makes after re-reading succeeds in the same transaction.
      await inTx.appendToStream(stream, [event(3)], { expectedStreamVersion: 2n });
      return error;
    });
    expect(isExpectedVersionConflictError(refused)).toBe(true);
    expect((await store.readStream(stream)).events.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
  });

  it('lets later commands see what earlier ones appended, and writes it all at the flush as Emmett would', async () => {
    const stream = `triage-${randomUUID()}`;
    await store.appendToStream(stream, [event(1)]);
    const unit = eventStoreUnitOfWork(store);
    await unit.store.appendToStream(stream, [event(2)], { expectedStreamVersion: 1n });
    const seen = await unit.store.readStream(stream);
    expect(numbers(seen.events)).toEqual([1, 2]);
    expect(seen.currentStreamVersion).toBe(2n);
    await unit.store.appendToStream(stream, [event(3), event(4)], { expectedStreamVersion: 2n });
    // Nothing is written before the flush.
    expect(numbers((await store.readStream(stream)).events)).toEqual([1]);
    await inTransaction(pool, (client) => unit.flush(client));
    const stored = await store.readStream(stream);
    expect(numbers(stored.events)).toEqual([1, 2, 3, 4]);
    expect(stored.events.map((e) => e.metadata.streamPosition)).toEqual([1n, 2n, 3n, 4n]);
    const { rows } = await pool.query(`SELECT message_metadata FROM emt_messages WHERE stream_id = $1 ORDER BY stream_position`, [stream]);
    // Positions are the table's: the metadata stored is the command's, as with Emmett's append.
    expect(rows.every((r) => !('streamPosition' in r.message_metadata) && !('streamName' in r.message_metadata))).toBe(true);
  });

  it('refuses a stale version at once, and fails the flush when another writer got there first', async () => {
    const stream = `triage-${randomUUID()}`;
    const unit = eventStoreUnitOfWork(store);
    expect((await unit.store.readStream(stream)).streamExists).toBe(false);
    await unit.store.appendToStream(stream, [event(1)], { expectedStreamVersion: 0n });
    expect(isExpectedVersionConflictError(await unit.store.appendToStream(stream, [event(2)], { expectedStreamVersion: 0n }).catch((e: unknown) => e))).toBe(true);
    await store.appendToStream(stream, [event(9)]);
    await expect(inTransaction(pool, (client) => unit.flush(client))).rejects.toThrow();
    expect(numbers((await store.readStream(stream)).events)).toEqual([9]);
  });
});
