import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { ConcurrencyError, type CommandMetadata, type Decider } from '@varde/core';
import { schemaConnectionString } from '@varde/database';
import { freshSchema } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { handleCommandInTransaction } from './command-in-transaction';
import { PostgresEventStoreAdapter } from './postgres-event-store.adapter';
import { createPostgresEventStore } from './postgres-event-store';
import { PostgresTransactions } from './transaction';

type Note = { type: 'Note'; data: { n: number }; metadata: CommandMetadata };
type Noted = { type: 'Noted'; data: { n: number } };
const notes: Decider<Note, number, Noted> = { decide: (command) => ({ type: 'Noted', data: { n: command.data.n } }), evolve: (count) => count + 1, initialState: () => 0 };
const note = (n: number): Note => ({ type: 'Note', data: { n }, metadata: { commandId: randomUUID(), correlationId: 'c', actor: { subject: 'test', role: 'system' }, now: new Date().toISOString() } });

describe('handleCommandInTransaction: load → decide → append with read-model writes in one transaction (real PostgreSQL)', () => {
  const schema = freshSchema('cmdtx');
  let emmett: PostgresEventStore;
  let pool: pg.Pool;
  let store: PostgresEventStoreAdapter;
  let transactions: PostgresTransactions;

  beforeAll(async () => {
    const databaseUrl = inject('databaseUrl');
    emmett = await createPostgresEventStore({ databaseUrl, schema });
    pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 10 });
    store = new PostgresEventStoreAdapter(emmett, pool);
    transactions = new PostgresTransactions(pool);
    await pool.query('CREATE TABLE noted (stream text, n int)');
  });

  afterAll(async () => {
    await Promise.all([emmett.close(), pool.end()]);
  });

  const handle = (stream: string, n: number, options = {}) =>
    handleCommandInTransaction(transactions, store, stream, notes, note(n), async (tx, result) => {
      await tx.query('INSERT INTO noted VALUES ($1, $2)', [stream, n]);
      return result.state;
    }, options);

  // Each round of racing writers lets at least one commit, so four writers need at most the four tries it allows.
  it('writes every one of concurrent commands on one stream once, each with its read-model row: a conflict runs the whole transaction again', async () => {
    const stream = `notes-${randomUUID()}`;
    const states = await Promise.all(Array.from({ length: 4 }, (_, n) => handle(stream, n)));
    expect([...states].sort()).toEqual([1, 2, 3, 4]);
    const { events } = await store.readStream(stream);
    expect(events.map((e) => (e.data as { n: number }).n).sort()).toEqual([0, 1, 2, 3]);
    const { rows } = await pool.query<{ n: number }>('SELECT n FROM noted WHERE stream = $1 ORDER BY n', [stream]);
    expect(rows.map((r) => r.n)).toEqual([0, 1, 2, 3]);
  });

  it('does not retry a conflict with the version the caller expected: that is the caller\'s answer, and nothing is written', async () => {
    const stream = `notes-${randomUUID()}`;
    await handle(stream, 1);
    await expect(handle(stream, 2, { expectedStreamVersion: 0n })).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.readStream(stream)).events).toHaveLength(1);
    expect((await pool.query('SELECT 1 FROM noted WHERE stream = $1', [stream])).rowCount).toBe(1);
  });
});
