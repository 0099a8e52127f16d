import { randomUUID } from 'node:crypto';
import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { freshSchema } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventStoreUnitOfWork } from './event-store-unit-of-work';
import { createPostgresEventStore, schemaConnectionString } from './postgres-event-store';
import { inTransaction } from './transaction';

describe('a unit of work over the event store (real PostgreSQL)', () => {
  const schema = freshSchema('unitofwork');
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

  const event = (n: number) => ({ type: 'InputNoted', data: { n }, metadata: { messageId: randomUUID(), correlationId: 'c', causationId: 'c', schemaVersion: 1 } });
  const numbers = (events: readonly { data: unknown }[]) => events.map((e) => (e.data as { n: number }).n);

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
