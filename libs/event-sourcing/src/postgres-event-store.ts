import { ExpectedVersionConflictError, STREAM_DOES_NOT_EXIST, STREAM_EXISTS } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore, schemaSQL, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createClient, createPool, ensureSchema, inTransaction, schemaConnectionString, type ConnectionErrorListener } from '@varde/database';
import pg from 'pg';

/** Where a service keeps its events: one PostgreSQL schema per service. */
export type PostgresStoreOptions = Readonly<{ databaseUrl: string; schema: string; onConnectionError?: ConnectionErrorListener }>;

/**
 * The Emmett PostgreSQL event store of one service, in its own schema. Emmett runs on a pool from
 * `@varde/database`'s createPool (its own pool has no error listener: a database restart ended the process);
 * closing the store ends that pool.
 */
export async function createPostgresEventStore(options: PostgresStoreOptions): Promise<PostgresEventStore> {
  await ensureSchema(options.databaseUrl, options.schema);
  const connectionString = schemaConnectionString(options.databaseUrl, options.schema);
  await createEmmettFunctionsInFreshSchema(connectionString, options.schema);
  const pool = createPool({ connectionString, ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}) });
  const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pool } });
  keepJsonTextAsWritten();
  try {
    await store.schema.migrate();
  } catch (error) {
    await pool.end();
    throw error;
  }
  const closeStore = store.close.bind(store);
  const close = async (): Promise<void> => {
    await closeStore();
    await pool.end();
  };
  return enforceStreamStateExpectations(Object.assign(store, { close }));
}

/**
 * Emmett's dumbo sets node-postgres's parser of every json and jsonb value, process-wide, to a JSON.parse with a
 * reviver that turns any string of digits beyond 2^53 into a BigInt. Event data and read models are full of
 * strings a sender chose — a 20-digit device serial number or Observation identifier came back as a BigInt, and
 * reading that Observation failed (503) as did publishing its event. JSON text is read back as it was written:
 * plain JSON.parse, which is also faster. Emmett's positions are columns (parsed as bigint), not JSON. Set after
 * Emmett's pool is created, since dumbo sets its parsers then (once per process).
 */
export function keepJsonTextAsWritten(): void {
  pg.types.setTypeParser(pg.types.builtins.JSON, JSON.parse);
  pg.types.setTypeParser(pg.types.builtins.JSONB, JSON.parse);
}

// Emmett 0.42's PostgreSQL append ignores STREAM_DOES_NOT_EXIST and STREAM_EXISTS and appends at whatever the
// current position is, so a decision taken on an empty stream could land after another writer's events.
// Version 0 ("no events yet") is enforced by the streams table's primary key; a stream, once there, stays.
function enforceStreamStateExpectations(store: PostgresEventStore): PostgresEventStore {
  const append = store.appendToStream.bind(store);
  const appendToStream: PostgresEventStore['appendToStream'] = async (streamName, events, options) => {
    const expected = options?.expectedStreamVersion;
    if (expected === STREAM_DOES_NOT_EXIST) return append(streamName, events, { ...options, expectedStreamVersion: 0n });
    if (expected === STREAM_EXISTS && !(await store.streamExists(streamName))) throw new ExpectedVersionConflictError(0n, STREAM_EXISTS);
    return append(streamName, events, options);
  };
  return Object.assign(store, { appendToStream });
}

// Emmett 0.42 creates its functions only `IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = ...)`, a lookup
// across the whole database: in the second service schema of a database it skips them, then fails calling
// them. So a fresh schema gets Emmett's own schema SQL first with that lookup limited to the schema; Emmett's
// migrations then find everything in place and only record themselves.
// dumbo's MIGRATIONS_LOCK_ID (dumbo is only a transitive dependency): Emmett's migrations hold this lock.
const EMMETT_MIGRATIONS_LOCK_ID = 999956789;

async function createEmmettFunctionsInFreshSchema(connectionString: string, schema: string): Promise<void> {
  const client = createClient(connectionString);
  await client.connect();
  try {
    await inTransaction(client, async () => {
      // Two instances starting at once do this one after the other, and not during Emmett's migrations.
      await client.query('SELECT pg_advisory_xact_lock($1)', [EMMETT_MIGRATIONS_LOCK_ID]);
      const { rows } = await client.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [`"${schema}".emt_streams`]);
      if (!rows[0]?.table) {
        const scoped = schemaSQL.map((sql) => sql.replaceAll('FROM pg_proc WHERE proname =', 'FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND proname ='));
        await client.query(scoped.join('\n'));
      }
    });
  } finally {
    await client.end();
  }
}
