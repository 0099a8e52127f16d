import { inTransaction } from '@varde/database';
import pg from 'pg';

// Grows the measurements service's store in bulk with SQL, row for row in the shape the service writes, so
// the store-size benchmark can reach millions of measurements in minutes instead of days of HTTP ingest.
//
// One measurement written through `POST /fhir/Observation` leaves exactly three rows in the service's schema:
//   - `emt_streams`: the stream `measurement-<measurementId>` at position 1 (Emmett's append inserts it);
//   - `emt_messages`: its one `MeasurementRecorded` event (data: the measurement; metadata: actor, ids, times),
//     with a global position from `emt_global_message_position` and the writing transaction's id;
//   - `measurements`: the read-model row the projecting event store upserts right after the append.
// The measurement id (and so the stream id) is where the duplicate check and the identifier uniqueness live:
// it is derived from the sender's identifier or the content hash, and a resend lands on the same stream.
// The seeder takes one real measurement written through the API as the template and clones its three rows
// with `jsonb_populate_record`, so every column the service writes — including any added later — is copied,
// and only what differs between two measurements is replaced: a fresh random-looking measurement id (thus
// stream id and primary keys, spread over the indexes as real UUIDs are), message id, command/correlation id,
// identifier value, patient (round robin over a population), value and times (3 s apart going back in time).

/** The schema the platform gives the measurements service (`DB_SCHEMA` defaults to the service name). */
export const MEASUREMENTS_SCHEMA = 'measurements';
const S = MEASUREMENTS_SCHEMA;

/** The tables one measurement writes a row to, and which the seeder therefore fills (partition families). */
export const MEASUREMENT_TABLES = ['emt_streams', 'emt_messages', 'measurements'] as const;
/** One of {@link MEASUREMENT_TABLES}. */
export type MeasurementTable = (typeof MEASUREMENT_TABLES)[number];

const iso = (ts: string): string => `to_char((${ts}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// $1 template measurement id, $2 seed tag, $3 patient ids, $4 newest effective time, $5 first n, $6 last n.
// The three inserts run in one statement, so a batch is all or nothing. The template rows are read from the
// tables themselves (not a CTE) so that `jsonb_populate_record` knows their row type; it is called LATERAL,
// because `(f(x)).*` would call it (and `nextval`) once per column.
const SEED_BATCH = `
WITH seed AS MATERIALIZED (
  SELECT n,
         md5($2 || ':measurement:' || n)::uuid::text AS id,
         ($3::text[])[1 + (n % cardinality($3::text[]))::int] AS patient_id,
         $4::timestamptz - make_interval(secs => n * 3) AS effective_time,
         (95 + n % 4)::int AS value,
         md5($2 || ':event:' || n)::uuid::text AS message_id,
         md5($2 || ':command:' || n)::uuid::text AS command_id
    FROM generate_series($5::bigint, $6::bigint) AS n
), times AS MATERIALIZED (
  SELECT seed.*, effective_time + interval '2 s' AS received_time, effective_time + interval '2.01 s' AS recorded_time FROM seed
), streams AS (
  INSERT INTO ${S}.emt_streams
  SELECT r.*
    FROM times, ${S}.emt_streams AS t, LATERAL jsonb_populate_record(t, jsonb_build_object('stream_id', 'measurement-' || times.id)) AS r
   WHERE t.stream_id = 'measurement-' || $1 AND NOT t.is_archived
  RETURNING 1
), messages AS (
  INSERT INTO ${S}.emt_messages
  SELECT r.*
    FROM times, ${S}.emt_messages AS t, LATERAL jsonb_populate_record(t, jsonb_build_object(
           'stream_id', 'measurement-' || times.id,
           'global_position', nextval('${S}.emt_global_message_position'),
           'transaction_id', pg_current_xact_id()::text,
           'created', times.recorded_time,
           'message_id', times.message_id,
           'message_data', t.message_data || jsonb_build_object(
             'measurementId', times.id, 'patientId', times.patient_id, 'value', times.value, 'originalValue', times.value,
             'effectiveTime', ${iso('times.effective_time')}, 'receivedTime', ${iso('times.received_time')})
             || CASE WHEN t.message_data ? 'identifier'
                     THEN jsonb_build_object('identifier', (t.message_data -> 'identifier') || jsonb_build_object('value', $2 || '-' || times.n))
                     ELSE '{}'::jsonb END,
           'message_metadata', t.message_metadata || jsonb_build_object(
             'actor', jsonb_set(t.message_metadata -> 'actor', '{subject}', to_jsonb('dev-patient-' || times.patient_id)),
             'causationId', times.command_id, 'correlationId', times.command_id,
             'recordedTime', ${iso('times.recorded_time')}, 'effectiveTime', ${iso('times.received_time')}))) AS r
   WHERE t.stream_id = 'measurement-' || $1 AND NOT t.is_archived
   ORDER BY times.n
  RETURNING 1
), views AS (
  INSERT INTO ${S}.measurements
  SELECT r.*
    FROM times, ${S}.measurements AS t, LATERAL jsonb_populate_record(t, jsonb_build_object(
           'measurement_id', times.id, 'patient_id', times.patient_id, 'value', times.value, 'original_value', times.value,
           'effective_time', times.effective_time, 'received_time', times.received_time, 'last_updated', times.recorded_time,
           'identifier', CASE WHEN t.identifier IS NULL THEN NULL ELSE t.identifier || jsonb_build_object('value', $2 || '-' || times.n) END)) AS r
   WHERE t.measurement_id = $1
  RETURNING 1
)
SELECT (SELECT count(*) FROM streams)::int AS streams, (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM views)::int AS views,
       pg_current_xact_id()::text AS transaction_id`;

/** Options of {@link StoreSeeder.seed}. */
export type SeedOptions = Readonly<{
  /** Measurements to add. */
  count: number;
  /** Rows per transaction. */
  batchSize: number;
  /** Patient ids the seeded measurements are spread over (round robin). */
  patientIds: readonly string[];
  onProgress?: (written: number) => void;
}>;

/** Size of one table family (all partitions): heap with TOAST, and its indexes. */
export type TableSize = Readonly<{ rows: number; tableMb: number; indexesMb: number }>;

/** Scans of one table family since the server started, from `pg_stat_user_tables`. */
export type TableScans = Readonly<{ seqScans: number; seqRowsRead: number; indexScans: number; indexRowsFetched: number }>;

/**
 * Clones a template measurement into the measurements schema in batches. Run it while the measurements
 * service is stopped: {@link StoreSeeder.markRelayed} then moves the service's relay checkpoint past the
 * seeded events, as if they had been published long ago, so the relay does not republish millions of them.
 */
export class StoreSeeder {
  private next = 0;
  private lastTransaction = '0';
  private readonly newestEffectiveTime: Date;

  constructor(
    private readonly pool: pg.Pool,
    private readonly template: string,
    private readonly tag: string,
    newestEffectiveTime: Date,
  ) {
    this.newestEffectiveTime = newestEffectiveTime;
  }

  /** The newest measurement written through the API with one `MeasurementRecorded` event and an identifier. */
  static async findTemplate(pool: pg.Pool): Promise<{ measurementId: string; effectiveTime: Date }> {
    const { rows } = await pool.query<{ measurement_id: string; effective_time: Date }>(
      `SELECT measurement_id, effective_time FROM ${S}.measurements WHERE position = 1 AND identifier IS NOT NULL ORDER BY last_updated DESC LIMIT 1`,
    );
    const row = rows[0];
    if (!row) throw new Error('no measurement written through the API to use as the seeding template');
    return { measurementId: row.measurement_id, effectiveTime: row.effective_time };
  }

  /**
   * Fails if the service writes one row per measurement to a table the seeder does not know: seeded stores
   * would then lack it and the benchmark would flatter the service.
   */
  static async assertKnowsEveryTable(pool: pg.Pool): Promise<void> {
    const measurements = await countRows(pool, 'measurements');
    // Every table that holds rows (partitions included; a partition is named after its family).
    const { rows } = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [S],
    );
    const known = (name: string): boolean => (MEASUREMENT_TABLES as readonly string[]).some((t) => name === t || name.startsWith(`${t}_`));
    for (const { name } of rows) {
      if (known(name)) continue;
      const count = await countRows(pool, name);
      if (measurements >= 100 && count >= measurements * 0.9) {
        throw new Error(`${S}.${name} holds ${count} rows for ${measurements} measurements: teach tests/load/store-size-seeder.ts to write it`);
      }
    }
  }

  /** Adds `count` measurements; returns how long it took. */
  async seed(options: SeedOptions): Promise<number> {
    const started = Date.now();
    let written = 0;
    while (written < options.count) {
      const size = Math.min(options.batchSize, options.count - written);
      this.lastTransaction = await inTransaction(this.pool, async (client) => {
        // Seeding is not what is measured: its commits need not wait for the WAL flush.
        await client.query(`SET LOCAL synchronous_commit = off`);
        const { rows } = await client.query<{ streams: number; messages: number; views: number; transaction_id: string }>(SEED_BATCH, [
          this.template,
          this.tag,
          options.patientIds,
          this.newestEffectiveTime,
          this.next,
          this.next + size - 1,
        ]);
        const row = rows[0];
        if (!row || row.streams !== size || row.messages !== size || row.views !== size) {
          throw new Error(`seeding wrote ${JSON.stringify(row)} rows for a batch of ${size}: is the template measurement ${this.template} complete?`);
        }
        return row.transaction_id;
      });
      this.next += size;
      written += size;
      options.onProgress?.(written);
    }
    return Date.now() - started;
  }

  /** Moves the relay checkpoint past every event in the log (run while the service, hence its relay, is stopped). */
  async markRelayed(): Promise<void> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${S}.relay_checkpoints
          SET transaction_id = greatest(transaction_id, $1::xid8),
              global_position = (SELECT last_value FROM ${S}.emt_global_message_position), updated_at = now()`,
      [this.lastTransaction],
    );
    if (rowCount !== 1) throw new Error(`expected one relay checkpoint in ${S}.relay_checkpoints, found ${rowCount}`);
  }
}

/** VACUUM (ANALYZE) of the measurement tables, then a checkpoint: what autovacuum and time do to a store that grew slowly. */
export async function settle(pool: pg.Pool): Promise<void> {
  for (const table of MEASUREMENT_TABLES) await pool.query(`VACUUM (ANALYZE) ${S}.${table}`);
  await pool.query('CHECKPOINT');
}

/**
 * The recommended fix for the relay's full scan, applied to the bench's database only: an index in the relay's
 * read order, so its poll is an index range scan from the checkpoint instead of a sequential scan of the log.
 */
export async function addRelayIndex(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE INDEX IF NOT EXISTS emt_messages_relay_order ON ${S}.emt_messages (transaction_id, global_position)`);
}

/** How many measurements the store holds (rows of the read model: one per measurement). */
export function countMeasurements(pool: pg.Pool): Promise<number> {
  return countRows(pool, 'measurements');
}

async function countRows(pool: pg.Pool, table: string): Promise<number> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ count: string }>(`SELECT count(*)::text AS count FROM ${S}."${table}"`);
    // An idle backend reports its table statistics up to 10 s late: this count's sequential scan must not
    // land in the scan counters of the run that follows it.
    await client.query('SELECT pg_stat_force_next_flush()');
    return Number(rows[0]?.count ?? 0);
  } finally {
    client.release();
  }
}

// The tables holding a family's rows: its leaf partitions, or the table itself when it is not partitioned
// (pg_partition_tree returns nothing for a plain table).
const LEAVES = `SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf
                UNION SELECT c.oid FROM pg_class c WHERE c.oid = $1::regclass AND c.relkind = 'r'`;

/** Sizes of the measurement tables, summed over their partitions. */
export async function tableSizes(pool: pg.Pool): Promise<Record<MeasurementTable, TableSize>> {
  const sizes = {} as Record<MeasurementTable, TableSize>;
  for (const table of MEASUREMENT_TABLES) {
    const { rows } = await pool.query<{ table_bytes: string; index_bytes: string; rows: string }>(
      `SELECT sum(pg_table_size(l.relid))::text AS table_bytes, sum(pg_indexes_size(l.relid))::text AS index_bytes, sum(c.reltuples)::bigint::text AS rows
         FROM (${LEAVES}) AS l JOIN pg_class c ON c.oid = l.relid`,
      [`${S}.${table}`],
    );
    const mb = (bytes: string | undefined): number => Math.round((Number(bytes ?? 0) / 2 ** 20) * 10) / 10;
    sizes[table] = { rows: Math.max(0, Number(rows[0]?.rows ?? 0)), tableMb: mb(rows[0]?.table_bytes), indexesMb: mb(rows[0]?.index_bytes) };
  }
  return sizes;
}

/** Scan counters of the measurement tables (summed over partitions); subtract two readings for a window. */
export async function tableScans(pool: pg.Pool): Promise<Record<MeasurementTable, TableScans>> {
  await pool.query('SELECT pg_stat_clear_snapshot()');
  const scans = {} as Record<MeasurementTable, TableScans>;
  for (const table of MEASUREMENT_TABLES) {
    const { rows } = await pool.query<{ seq_scan: string; seq_tup_read: string; idx_scan: string; idx_tup_fetch: string }>(
      `SELECT coalesce(sum(s.seq_scan), 0)::text AS seq_scan, coalesce(sum(s.seq_tup_read), 0)::text AS seq_tup_read,
              coalesce(sum(s.idx_scan), 0)::text AS idx_scan, coalesce(sum(s.idx_tup_fetch), 0)::text AS idx_tup_fetch
         FROM (${LEAVES}) AS l JOIN pg_stat_user_tables s ON s.relid = l.relid`,
      [`${S}.${table}`],
    );
    const row = rows[0];
    scans[table] = { seqScans: Number(row?.seq_scan ?? 0), seqRowsRead: Number(row?.seq_tup_read ?? 0), indexScans: Number(row?.idx_scan ?? 0), indexRowsFetched: Number(row?.idx_tup_fetch ?? 0) };
  }
  return scans;
}

/** Events the relay has not yet published (the checkpoint's distance from the end of the log). */
export async function relayBacklog(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ backlog: string }>(
    `SELECT count(*)::text AS backlog FROM ${S}.emt_messages m, ${S}.relay_checkpoints c
      WHERE NOT m.is_archived AND (m.transaction_id, m.global_position) > (c.transaction_id, c.global_position)`,
  );
  return Number(rows[0]?.backlog ?? 0);
}
