import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { ConcurrencyError, IllegalStateError, type CommandMetadata, type Decider, type DomainCommand, type DomainEvent } from '@varde/core';
import { freshSchema } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventIdFor } from './event-ids';
import { handleNewStreamCommands, type CommandOutcome, type StreamCommand } from './new-streams-command-handler';
import { createPostgresEventStore } from './postgres-event-store';
import { schemaConnectionString } from '@varde/database';
import { appendToNewStreams, readStreams } from './postgres-multi-stream';
import { rebuildProjection } from './projection-rebuild';
import type { StoredEvent } from './stored-event';
import { inTransaction } from '@varde/database';

// A registration is created once; the same value again changes nothing, another value is refused.
type Register = DomainCommand<'Register', { id: string; value: number }>;
type Registered = DomainEvent<'Registered', { id: string; value: number }>;
type Registration = { status: 'none' } | { status: 'registered'; value: number };
const registrations: Decider<Register, Registration, Registered> = {
  decide: (command, state) => {
    if (state.status === 'none') return [{ type: 'Registered', data: command.data }];
    if (state.value === command.data.value) return [];
    throw new IllegalStateError(`registered with ${state.value}, not ${command.data.value}`);
  },
  evolve: (_state, event) => ({ status: 'registered', value: event.data.value }),
  initialState: () => ({ status: 'none' }),
};

const schema = freshSchema('multi_stream');
let store: PostgresEventStore;
let pool: pg.Pool;

const streamOf = (id: string): string => `registration-${id}`;
const metadata = (commandId: string = randomUUID()): CommandMetadata => ({
  commandId,
  correlationId: `correlation-${commandId}`,
  actor: { subject: 'gateway-1', role: 'system', organisation: 'trust-a' },
  now: '2026-11-22T08:00:00.000Z',
  effectiveTime: '2026-11-22T07:59:00.000Z',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
});
const register = (id: string, value: number, commandId?: string): StreamCommand<Register> => [streamOf(id), { type: 'Register', data: { id, value }, metadata: metadata(commandId) }];
const clock = () => new Date('2026-11-22T08:00:00.500Z');
const handle = (commands: readonly StreamCommand<Register>[], allOrNothing = false) => handleNewStreamCommands(pool, registrations, commands, { allOrNothing, clock });
const eventsIn = async (streamName: string): Promise<number> => Number((await pool.query('SELECT count(*) FROM emt_messages WHERE stream_id = $1', [streamName])).rows[0].count);
const status = (outcome: CommandOutcome<Registration, Registered>): string => (!outcome.accepted ? `refused: ${(outcome.error as Error).message}` : outcome.appended.length > 0 ? 'appended' : 'unchanged');
const event = (id: string, value: number): StoredEvent<Registered> => ({
  type: 'Registered',
  data: { id, value },
  metadata: { messageId: randomUUID(), correlationId: 'c-1', causationId: 'k-1', actor: { subject: 'gateway-1', role: 'system' }, effectiveTime: '2026-11-22T07:59:00.000Z', recordedTime: '2026-11-22T08:00:00.500Z', schemaVersion: 1 },
});

/** Waits until some session of this database waits for a lock (the append blocked behind an open transaction). */
async function lockWaited(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no session waited for a lock');
}

/** Another writer creating `id` with Emmett's own append function in a transaction left open until `finish`. */
async function openCompetingAppend(id: string, value: number): Promise<(outcome: 'COMMIT' | 'ROLLBACK') => Promise<void>> {
  const client = await pool.connect();
  await client.query('BEGIN');
  const { messageId, ...rest } = event(id, value).metadata;
  await client.query(`SELECT * FROM emt_append_to_stream(ARRAY[$1]::text[], ARRAY[$2]::jsonb[], ARRAY[$3]::jsonb[], ARRAY['1'], ARRAY['Registered'], ARRAY['E'], $4, 'registration', 0, 'emt:default')`, [
    messageId,
    JSON.stringify({ id, value }),
    JSON.stringify(rest),
    streamOf(id),
  ]);
  return async (outcome) => {
    await client.query(outcome);
    client.release();
  };
}

beforeAll(async () => {
  store = await createPostgresEventStore({ databaseUrl: inject('databaseUrl'), schema });
  pool = new pg.Pool({ connectionString: schemaConnectionString(inject('databaseUrl'), schema) });
});

afterAll(async () => {
  await pool?.end();
  await store?.close();
});

describe('appendToNewStreams: what Emmett writes, for many streams in one statement', () => {
  it('writes the same rows as Emmett appendToStream, and Emmett reads them back the same', async () => {
    const [viaEmmett, viaBatch] = [randomUUID(), randomUUID()];
    const events = [event('x', 1), { ...event('x', 2), metadata: { ...event('x', 2).metadata, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }];
    await store.appendToStream(streamOf(viaEmmett), events.map((e) => ({ ...e, metadata: { ...e.metadata, messageId: `${e.metadata.messageId}-emmett` } })));
    await inTransaction(pool, (client) => appendToNewStreams(client, [{ streamName: streamOf(viaBatch), events }]));

    const rows = async (table: string, columns: string, id: string) =>
      (await pool.query(`SELECT ${columns} FROM ${table} WHERE stream_id = $1 ORDER BY 1`, [streamOf(id)])).rows;
    const streamColumns = 'stream_position, partition, stream_type, stream_metadata, is_archived';
    const messageColumns = 'stream_position, partition, message_data, message_metadata, message_schema_version, message_type, message_kind, is_archived';
    expect(await rows('emt_streams', streamColumns, viaBatch)).toEqual(await rows('emt_streams', streamColumns, viaEmmett));
    expect(await rows('emt_messages', messageColumns, viaBatch)).toEqual(await rows('emt_messages', messageColumns, viaEmmett));
    expect((await rows('emt_messages', 'stream_position, message_id', viaBatch)).map((r) => r.message_id)).toEqual(events.map((e) => e.metadata.messageId));

    const read = await store.readStream(streamOf(viaBatch));
    expect(read.currentStreamVersion).toBe(2n);
    expect(read.events.map((e) => ({ type: e.type, data: e.data, messageId: e.metadata.messageId, position: e.metadata.streamPosition }))).toEqual(
      events.map((e, i) => ({ type: e.type, data: e.data, messageId: e.metadata.messageId, position: BigInt(i + 1) })),
    );
    // And readStreams returns exactly what Emmett's readStream does.
    expect((await readStreams(pool, [streamOf(viaBatch), streamOf(viaEmmett)])).get(streamOf(viaBatch))).toEqual(read.events);
  });

  it('reads a stream, and a rebuild replays the log, in numeric order past a digit boundary (position 10 after 9, not after 1)', async () => {
    const id = randomUUID();
    const values = Array.from({ length: 12 }, (_, i) => i + 1);
    await store.appendToStream(streamOf(id), values.map((v) => event(id, v)));
    const read = (await readStreams<Registered>(pool, [streamOf(id)])).get(streamOf(id))!;
    expect(read.map((e) => e.data.value)).toEqual(values);
    // Other streams' events (this suite's) come first in the log, so global positions here run past 9 and past 99 too.
    const replayed: bigint[] = [];
    await rebuildProjection(pool, { tables: [], eventTypes: ['Registered'], apply: async (_tx, events) => void replayed.push(...events.map((e) => e.metadata.globalPosition as bigint)) }, { batchSize: 7 });
    expect(replayed.length).toBeGreaterThan(12);
    expect(replayed).toEqual([...replayed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('writes 1 000 streams in one transaction, global positions in input order', async () => {
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    const result = await inTransaction(pool, (client) => appendToNewStreams(client, ids.map((id, i) => ({ streamName: streamOf(id), events: [event(id, i)] }))));
    expect(result.existing).toEqual([]);
    expect(result.created.map((events) => events[0]!.metadata.streamName)).toEqual(ids.map(streamOf));
    const { rows } = await pool.query<{ stream_id: string; transaction_id: string; global_position: string }>(
      // ORDER BY the column, not the text output column of the same name.
      'SELECT stream_id, transaction_id::text, global_position::text FROM emt_messages WHERE stream_id = ANY($1) ORDER BY emt_messages.global_position',
      [ids.map(streamOf)],
    );
    expect(rows.map((r) => r.stream_id)).toEqual(ids.map(streamOf));
    expect(new Set(rows.map((r) => r.transaction_id)).size).toBe(1);
    expect(rows.map((r) => r.global_position)).toEqual(result.created.map((events) => String(events[0]!.metadata.globalPosition)));
    expect(Number((await pool.query('SELECT count(*) FROM emt_streams WHERE stream_id = ANY($1) AND stream_position = 1', [ids.map(streamOf)])).rows[0].count)).toBe(1000);
  });

  it('leaves a stream that exists alone, reports it, and writes the others', async () => {
    const [taken, free] = [randomUUID(), randomUUID()];
    await store.appendToStream(streamOf(taken), [event(taken, 1)]);
    const result = await inTransaction(pool, (client) => appendToNewStreams(client, [{ streamName: streamOf(taken), events: [event(taken, 2)] }, { streamName: streamOf(free), events: [event(free, 3)] }]));
    expect(result.existing).toEqual([streamOf(taken)]);
    expect((await store.readStream(streamOf(taken))).events.map((e) => e.data)).toEqual([{ id: taken, value: 1 }]);
    expect((await store.readStream(streamOf(free))).events.map((e) => e.data)).toEqual([{ id: free, value: 3 }]);
  });

  it('writes nothing when the transaction it runs in rolls back', async () => {
    const id = randomUUID();
    await expect(
      inTransaction(pool, async (client) => {
        await appendToNewStreams(client, [{ streamName: streamOf(id), events: [event(id, 1)] }]);
        throw new Error('the read model refused');
      }),
    ).rejects.toThrow('the read model refused');
    expect((await store.readStream(streamOf(id))).streamExists).toBe(false);
    expect(await store.streamExists(streamOf(id))).toBe(false);
  });
});

describe('handleNewStreamCommands', () => {
  it('decides against stored streams and earlier commands of the call: resends change nothing, conflicts are refused alone', async () => {
    const [stored, fresh, twice, clash] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await store.appendToStream(streamOf(stored), [event(stored, 1)]);
    const outcomes = await handle([register(stored, 1), register(fresh, 2), register(twice, 3), register(twice, 3), register(clash, 4), register(clash, 5), register(stored, 9)]);
    expect(outcomes.map(status)).toEqual(['unchanged', 'appended', 'appended', 'unchanged', 'appended', 'refused: registered with 4, not 5', 'refused: registered with 1, not 9']);
    for (const id of [stored, fresh, twice, clash]) expect(await eventsIn(streamOf(id))).toBe(1);
    expect((await store.readStream(streamOf(fresh))).events[0]).toMatchObject({ type: 'Registered', metadata: { recordedTime: '2026-11-22T08:00:00.500Z', effectiveTime: '2026-11-22T07:59:00.000Z', schemaVersion: 1 } });
  });

  it('recognises a retried command by its event ids and writes nothing', async () => {
    const [id, commandId] = [randomUUID(), randomUUID()];
    expect((await handle([register(id, 1, commandId)])).map(status)).toEqual(['appended']);
    const [again] = await handle([register(id, 1, commandId)]);
    expect(again).toMatchObject({ accepted: true, alreadyHandled: true, appended: [] });
    expect(again?.accepted && again.streamEvents.map((e) => e.metadata.messageId)).toEqual([eventIdFor(commandId, 0)]);
  });

  it('all or nothing: one refused command and nothing is appended', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const outcomes = await handle([register(a, 1), register(b, 2), register(b, 3)], true);
    expect(outcomes.map(status)).toEqual(['appended', 'appended', 'refused: registered with 2, not 3']);
    expect(await eventsIn(streamOf(a))).toBe(0);
    expect(await eventsIn(streamOf(b))).toBe(0);
  });

  it('refuses a command that would append to a stream that exists (this path only creates streams)', async () => {
    const growing: Decider<Register, Registration, Registered> = { ...registrations, decide: (command) => [{ type: 'Registered', data: command.data }] };
    const id = randomUUID();
    await store.appendToStream(streamOf(id), [event(id, 1)]);
    const [outcome] = await handleNewStreamCommands(pool, growing, [register(id, 2)], { allOrNothing: false });
    expect(outcome).toMatchObject({ accepted: false, error: expect.any(ConcurrencyError) });
    expect(await eventsIn(streamOf(id))).toBe(1);
  });

  it('runs beforeCommit in the append transaction: when it fails, nothing is written', async () => {
    const id = randomUUID();
    const failing = handleNewStreamCommands(pool, registrations, [register(id, 1)], {
      allOrNothing: false,
      beforeCommit: async (client, created) => {
        expect(Number((await client.query('SELECT count(*) FROM emt_messages WHERE stream_id = $1', [streamOf(id)])).rows[0].count)).toBe(1);
        expect(created.map((events) => events.map((e) => [e.metadata.streamName, e.metadata.streamPosition]))).toEqual([[[streamOf(id), 1n]]]);
        throw new Error('read model down');
      },
    });
    await expect(failing).rejects.toThrow('read model down');
    expect(await eventsIn(streamOf(id))).toBe(0);
  });

  describe('a concurrent writer creating one of the streams between the read and the append', () => {
    it('with the same content: the append waits for it, writes nothing twice, and the command is a resend', async () => {
      const [contested, other] = [randomUUID(), randomUUID()];
      const finish = await openCompetingAppend(contested, 7);
      const handling = handle([register(contested, 7), register(other, 8)]);
      await lockWaited();
      await finish('COMMIT');
      expect((await handling).map(status)).toEqual(['unchanged', 'appended']);
      expect(await eventsIn(streamOf(contested))).toBe(1);
      expect(await eventsIn(streamOf(other))).toBe(1);
    });

    it('with other content: that command is refused; all or nothing, so nothing of the call is written', async () => {
      const [contested, other] = [randomUUID(), randomUUID()];
      const finish = await openCompetingAppend(contested, 7);
      const handling = handle([register(other, 8), register(contested, 9)], true);
      await lockWaited();
      await finish('COMMIT');
      expect((await handling).map(status)).toEqual(['appended', 'refused: registered with 7, not 9']);
      expect((await store.readStream(streamOf(contested))).events.map((e) => e.data)).toEqual([{ id: contested, value: 7 }]);
      expect(await eventsIn(streamOf(other))).toBe(0);
    });

    it('that rolls back: the append goes ahead', async () => {
      const contested = randomUUID();
      const finish = await openCompetingAppend(contested, 7);
      const handling = handle([register(contested, 9)]);
      await lockWaited();
      await finish('ROLLBACK');
      expect((await handling).map(status)).toEqual(['appended']);
      expect((await store.readStream(streamOf(contested))).events.map((e) => e.data)).toEqual([{ id: contested, value: 9 }]);
    });
  });

  it('concurrent identical calls: every stream is written once, by exactly one of them', async () => {
    const ids = Array.from({ length: 300 }, () => randomUUID());
    const calls = await Promise.all(Array.from({ length: 6 }, () => handle(ids.map((id, i) => register(id, i)))));
    for (let i = 0; i < ids.length; i++) expect(calls.map((outcomes) => status(outcomes[i]!)).sort()).toEqual(['appended', ...Array(5).fill('unchanged')]);
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM emt_messages WHERE stream_id = ANY($1) GROUP BY stream_id', [ids.map(streamOf)]);
    expect(rows.map((r) => Number(r.n))).toEqual(Array(ids.length).fill(1));
  });
});
