import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { ClientCredentialsTokens, SharingAccessLog } from '@varde/platform';
import { PostgresWorklistQuery, type WorklistCursor, type WorklistEntry, type WorklistFilter } from '../../services/triage/src/infrastructure/worklist.query';
import { summarise, type LatencySummary } from './worklist-probe';

// The measurements of `npm run bench:triage`: worklist reads through the public API, the same reads straight
// on the database (the service's own query class, so the SQL cannot drift from what the service runs), and
// the access-log write every read makes, on its own.

/** Latency of one worklist read through the public API, sequential and with concurrent clients. */
export type HttpReadFigures = Readonly<{
  path: string;
  entries: number;
  sequential: LatencySummary;
  /** Median of the first and of the last 20 sequential reads: the access log grows with every read. */
  sequentialFirst20P50: number;
  sequentialLast20P50: number;
  concurrent: LatencySummary & Readonly<{ clients: number; readsPerSecond: number }>;
  /** Reads that did not answer 200 within the timeout (their latency is left out), and the first few reasons. */
  failed: number;
  errors: readonly string[];
}>;

const READ_TIMEOUT_MS = 120_000;

/** Times `count` GETs of `path` one after the other, then `concurrentCount` more from `clients` clients at once. */
export async function timeHttpReads(baseUrl: string, path: string, token: string, count: number, concurrentCount: number, clients: number): Promise<HttpReadFigures> {
  const errors: string[] = [];
  let entries = 0;
  const read = async (into: number[]): Promise<void> => {
    const started = performance.now();
    try {
      const response = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(READ_TIMEOUT_MS) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${response.status}: ${text.slice(0, 300)}`);
      into.push(performance.now() - started);
      entries = (JSON.parse(text) as { entries: unknown[] }).entries.length;
    } catch (error) {
      errors.push(`GET ${path} after ${Math.round(performance.now() - started)} ms: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await read([]); // warm-up: connections, plan cache
  errors.length = 0;
  const sequential: number[] = [];
  for (let i = 0; i < count; i++) await read(sequential);
  const concurrent: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < concurrentCount) await read(concurrent);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    path,
    entries,
    sequential: summarise(sequential),
    sequentialFirst20P50: summarise(sequential.slice(0, 20)).p50,
    sequentialLast20P50: summarise(sequential.slice(-20)).p50,
    concurrent: { ...summarise(concurrent), clients, readsPerSecond: Math.round((concurrent.length / seconds) * 10) / 10 },
    failed: errors.length,
    errors: errors.slice(0, 5),
  };
}

/** The worklist query on its own: latency of the SQL the service runs, and its plan. */
export type SqlFigures = Readonly<{ latency: LatencySummary; rows: number; executionMs: number; plan: string }>;

/**
 * Runs the service's worklist query `count` times straight on the database, then once under
 * `EXPLAIN (ANALYZE, BUFFERS)`: the plan is taken from the very statement the service sends.
 */
export async function timeWorklistSql(db: pg.Pool, filter: WorklistFilter, count: number): Promise<SqlFigures> {
  const query = new PostgresWorklistQuery(db);
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    rows = (await query.list(filter)).length;
    times.push(performance.now() - started);
  }
  let captured: { text: string; values: unknown[] } | undefined;
  const capturing = { query: async (text: string, values: unknown[]) => ((captured = { text, values }), { rows: [] }) } as unknown as pg.Pool;
  await new PostgresWorklistQuery(capturing).list(filter);
  if (!captured) throw new Error('the worklist query sent no SQL');
  const explained = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${captured.text}`, captured.values);
  const plan = explained.rows.map((r) => r['QUERY PLAN']).join('\n');
  return { latency: summarise(times), rows, executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN), plan };
}

/** The cursor after the `n`-th entry of the worklist in its order (for timing a deep keyset page). */
export async function cursorAt(db: pg.Pool, n: number): Promise<WorklistCursor> {
  const { rows } = await db.query<{ colour: WorklistEntry['colour']; since: Date; patient_id: string }>(
    'SELECT colour, since, patient_id FROM worklist ORDER BY colour_rank DESC, since, patient_id OFFSET $1 LIMIT 1',
    [n - 1],
  );
  const row = rows[0];
  if (!row) throw new Error(`the worklist has fewer than ${n} entries`);
  return { colour: row.colour, since: row.since.toISOString(), patientId: row.patient_id };
}

/**
 * Times sharing's side of one worklist read's access log on its own: `RecordAccess` with one entry per patient
 * shown, through the client triage's outbox forwards with, a new request id each time. Since the outbox
 * (ADR 0004) this is no longer part of a read's latency, but it is still work every read causes.
 */
export async function timeAccessLog(sharingGrpcUrl: string, issuerUrl: string, patientIds: readonly string[], count: number): Promise<LatencySummary> {
  // As triage calls it: with a service token from the issuer (ADR 0013).
  const log = new SharingAccessLog(sharingGrpcUrl, new ClientCredentialsTokens({ tokenUrl: `${issuerUrl}/token`, clientId: 'varde-triage', audienceOf: (callee) => `varde-${callee}` }));
  try {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const started = performance.now();
      await log.recordReads('triage', patientIds, { purpose: 'worklist', resource: 'worklist' }, {
        commandId: id,
        correlationId: id,
        actor: { subject: 'bench-clinician', role: 'clinician' },
        now: new Date().toISOString(),
      });
      times.push(performance.now() - started);
    }
    return summarise(times);
  } finally {
    log.onModuleDestroy();
  }
}
