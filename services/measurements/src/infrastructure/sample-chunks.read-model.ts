import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import type { MeasurementStreamChunkRecorded } from '../domain/sample-chunk.events';
import { parseSamples } from '../domain/sampled-data';
import { SampleChunksReadModel, type StoredChunk, type StreamKey } from '../application/sample-chunks.port';

export type { StoredChunk, StreamKey } from '../application/sample-chunks.port';

// The chunks' read model (`measurement_chunks`, created by the service's migrations): one row per chunk, samples
// as the canonical SampledData string, for time-range reads. Like the measurements table, rebuilt from the log:
// its commit need not wait for the WAL flush.
const INSERT = `
INSERT INTO measurement_chunks (chunk_id, patient_id, code_system, code, unit, start_time, end_time, period_ms, sample_count, data, received_time)
SELECT r.chunk_id, r.patient_id, r.code_system, r.code, r.unit, r.start_time, r.end_time, r.period_ms, r.sample_count, r.data, r.received_time
  FROM jsonb_to_recordset($1::jsonb) AS r(chunk_id text, patient_id text, code_system text, code text, unit text, start_time timestamptz,
       end_time timestamptz, period_ms double precision, sample_count integer, data text, received_time timestamptz),
       (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
ON CONFLICT (chunk_id) DO NOTHING`;

type ChunkRow = { chunk_id: string; unit: string; start_time: Date; end_time: Date; period_ms: number; sample_count: number; data: string };

const rowOf = (c: MeasurementStreamChunkRecorded['data']) => ({
  chunk_id: c.chunkId,
  patient_id: c.patientId,
  code_system: c.code.system,
  code: c.code.code,
  unit: c.unit,
  start_time: c.start,
  end_time: c.end,
  period_ms: c.periodMs,
  sample_count: c.sampleCount,
  data: c.data,
  received_time: c.receivedTime,
});

function chunkOfRow(row: ChunkRow): StoredChunk {
  const parsed = parseSamples(row.data);
  // The table is only written from accepted events, whose data was parsed before; anything else is corruption.
  if (!('samples' in parsed)) throw new Error(`measurement_chunks row ${row.chunk_id} has an unreadable sample ${parsed.badIndex}`);
  return { chunkId: row.chunk_id, unit: row.unit, start: row.start_time.getTime(), end: row.end_time.getTime(), periodMs: row.period_ms, sampleCount: row.sample_count, samples: parsed.samples };
}

/** Writes chunks; a chunk already stored changes nothing. */
export async function insertChunks(db: pg.Pool | pg.ClientBase, chunks: readonly MeasurementStreamChunkRecorded['data'][]): Promise<void> {
  if (chunks.length > 0) await db.query(INSERT, [JSON.stringify(chunks.map(rowOf))]);
}


/** DI token of the longest time one chunk may span, in ms: it bounds every range scan of the index. */
export const MAX_CHUNK_MS = Symbol('MAX_CHUNK_MS');

/** {@link SampleChunksReadModel} in PostgreSQL: creates `measurement_chunks` at start-up, writes accepted chunks and answers time-range reads on its index. */
@Injectable()
export class PostgresSampleChunksReadModel implements SampleChunksReadModel {
  constructor(
    @Inject(DB_POOL) private readonly pool: pg.Pool,
    @Inject(MAX_CHUNK_MS) private readonly maxChunkMs: number,
  ) {}

  insert(chunk: MeasurementStreamChunkRecorded['data']): Promise<void> {
    return insertChunks(this.pool, [chunk]);
  }

  async overlapping(stream: StreamKey, from: number, to: number): Promise<StoredChunk[]> {
    // No chunk spans more than maxChunkMs, so one starting earlier than from - maxChunkMs cannot reach from.
    const { rows } = await this.pool.query<ChunkRow>(
      `SELECT chunk_id, unit, start_time, end_time, period_ms, sample_count, data FROM measurement_chunks
        WHERE patient_id = $1 AND code = $2 AND code_system = $3 AND start_time < $4 AND start_time > $5 AND end_time > $6
        ORDER BY start_time, chunk_id`,
      [stream.patientId, stream.code, stream.system, new Date(to), new Date(from - this.maxChunkMs - 1), new Date(from)],
    );
    return rows.map(chunkOfRow);
  }

  async previous(stream: StreamKey, before: number): Promise<Omit<StoredChunk, 'samples'> | undefined> {
    const { rows } = await this.pool.query<Omit<ChunkRow, 'data'>>(
      `SELECT chunk_id, unit, start_time, end_time, period_ms, sample_count FROM measurement_chunks
        WHERE patient_id = $1 AND code = $2 AND code_system = $3 AND start_time < $4 ORDER BY start_time DESC LIMIT 1`,
      [stream.patientId, stream.code, stream.system, new Date(before)],
    );
    const row = rows[0];
    return row && { chunkId: row.chunk_id, unit: row.unit, start: row.start_time.getTime(), end: row.end_time.getTime(), periodMs: row.period_ms, sampleCount: row.sample_count };
  }

  async frontier(stream: StreamKey): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ end_time: Date }>(
      `SELECT end_time FROM measurement_chunks WHERE patient_id = $1 AND code = $2 AND code_system = $3 ORDER BY start_time DESC LIMIT 1`,
      [stream.patientId, stream.code, stream.system],
    );
    return rows[0]?.end_time.getTime();
  }
}
