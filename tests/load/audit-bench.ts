/**
 * `npm run bench:audit`: the auditor's figures (issue #22, Speed). On its own embedded PostgreSQL:
 * 1. the chain check (`audit:check`) over logs of growing size (AUDIT_BENCH_CHAIN_STEPS, default 100 000 and
 *    1 000 000 events, seeded with SQL like real measurement events and sealed by the service's sealer): events
 *    sealed and checked per second, and the 10-million-event figure extrapolated from the largest step measured
 *    (time and disk), since 10 M events (≈ 10 GB with chain and indexes) do not fit a shared test machine;
 * 2. a patient with one year of daily data (AUDIT_BENCH_PATIENT_EVENTS, default 5 000 timeline events among
 *    AUDIT_BENCH_OTHER_PATIENTS others): a timeline page, the whole timeline paged through, and the state as of an
 *    instant (query + fold), median of 20.
 * Prints a table (docs/operations/benchmarks.md records the figures).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { createPool, ensureSchema, migrateSchema, schemaConnectionString } from '@varde/database';
import { checkEventChain, createPostgresEventStore, eventChainMigrations, EventChainSealer } from '@varde/event-sourcing';
import { messagingMigrations } from '@varde/messaging';
import type { Infrastructure } from '@varde/platform';
import { startTestPostgres } from '@varde/testing';
import { patientStateAsOf } from '../../services/sharing/src/domain/audit/patient-state.as-of';
import { PostgresAuditTrail } from '../../services/sharing/src/infrastructure/audit/postgres-audit-trail';
import { sharingMigrations } from '../../services/sharing/src/infrastructure/migrations/sharing.migrations';
import { labelledRows, log, machineInfo, positiveEnv, runBenchmark } from './bench-harness';

const CHAIN_STEPS = (process.env['AUDIT_BENCH_CHAIN_STEPS'] ?? '100000,1000000').split(',').map((s) => Number(s.trim()));
const PATIENT_EVENTS = positiveEnv('AUDIT_BENCH_PATIENT_EVENTS', 5_000);
const OTHER_PATIENTS = positiveEnv('AUDIT_BENCH_OTHER_PATIENTS', 200);
const TEN_MILLION = 10_000_000;
const PATIENT = '00000000-0000-4000-8000-00000000a0d1';

const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rate = (count: number, ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;
const duration = (ms: number): string => (ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);

type ChainStep = Readonly<{ events: number; seedMs: number; sealMs: number; checkMs: number; bytes: number }>;

/** Seeds `events` measurement-like events (in transactions of 50 000, across 10 000 streams) and seals and checks them. */
async function chainStep(databaseUrl: string, events: number): Promise<ChainStep> {
  const schema = `bench_chain_${events}`;
  const store = await createPostgresEventStore({ databaseUrl, schema });
  await store.close();
  // As in a service: the chain's tables and the relay's index on the log's commit order (which the sealer reads by).
  await migrateSchema({ databaseUrl, schema }, [eventChainMigrations, messagingMigrations]);
  const pool = createPool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 3 });
  try {
    log(`chain: seeding ${events.toLocaleString('en')} events …`);
    const [, seedMs] = await timed(async () => {
      for (let start = 0; start < events; start += 50_000) {
        const end = Math.min(events, start + 50_000);
        await pool.query(
          `INSERT INTO emt_messages (stream_id, stream_position, message_data, message_metadata, message_schema_version, message_type, message_id, transaction_id)
           SELECT 'measurement-' || (i % 10000), i / 10000 + 1,
             jsonb_build_object('measurementId', md5(i::text), 'patientId', md5((i % 10000)::text), 'code', jsonb_build_object('system', 'http://loinc.org', 'code', '2708-6'), 'value', 90 + i % 9, 'unit', '%', 'effectiveTime', '2026-03-02T08:00:00.000Z'),
             jsonb_build_object('messageId', md5('m' || i), 'correlationId', md5('c' || i), 'causationId', md5('c' || i), 'actor', jsonb_build_object('subject', 'gateway-1', 'role', 'system'), 'effectiveTime', '2026-03-02T08:00:00.000Z', 'recordedTime', '2026-03-02T08:00:01.000Z', 'schemaVersion', 1),
             '1', 'MeasurementRecorded', md5('m' || i), pg_current_xact_id()
           FROM generate_series($1::bigint, $2::bigint - 1) AS i`,
          [start, end],
        );
      }
    });
    await pool.query('ANALYZE');
    const sealer = new EventChainSealer({ pool, schema });
    log('chain: sealing …');
    const [sealed, sealMs] = await timed(() => sealer.sealAll());
    if (sealed !== events) throw new Error(`sealed ${sealed} of ${events} events`);
    log('chain: checking …');
    const [report, checkMs] = await timed(() => checkEventChain(pool, schema, { onProgress: (n) => void process.stderr.write(`\r  ${n.toLocaleString('en')} checked`) }));
    process.stderr.write('\n');
    if (!report.ok || report.checked !== events) throw new Error(`check: ${JSON.stringify(report).slice(0, 500)}`);
    const { rows } = await pool.query<{ bytes: string }>(`SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`, [schema]);
    const step = { events, seedMs, sealMs, checkMs, bytes: Number(rows[0]!.bytes) };
    log(`chain ${events}: ${JSON.stringify(step)}`);
    return step;
  } finally {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

type TimelineFigures = Readonly<{ events: number; firstPageMs: number; wholeMs: number; pages: number; stateMs: number; stateEvents: number }>;

/** One year of daily data for one patient (measurements, decisions, tasks, reads) among others', then the auditor's reads. */
async function timelineFigures(databaseUrl: string): Promise<TimelineFigures> {
  const schema = 'bench_audit_timeline';
  await ensureSchema(databaseUrl, schema);
  await migrateSchema({ databaseUrl, schema }, [sharingMigrations]);
  const pool = createPool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 3 });
  try {
    log(`timeline: ${PATIENT_EVENTS} events of one patient among ${OTHER_PATIENTS} others …`);
    const types = ['varde.measurements.v1.MeasurementRecorded', 'varde.measurements.v1.MeasurementRecorded', 'varde.triage.v1.PatientTriaged', 'varde.pathways.v1.TaskDue', 'varde.pathways.v1.TaskCompleted', 'varde.sharing.v1.AccessLogged', 'varde.triage.v1.PatientTriaged'];
    const seed = (patient: string, count: number) =>
      pool.query(
        `INSERT INTO audit_timeline (event_id, patient_id, type, source, effective_time, recorded_time, correlation_id, causation_id, actor, summary, data)
         SELECT md5($1 || i), $1, ($3::text[])[1 + i % 7], 'varde/bench', t, t + interval '1 second', md5('c' || i), md5('c' || i),
           '{"subject": "gateway-1", "role": "system"}', 'Measurement SpO2 93 % recorded (device)',
           CASE WHEN ($3::text[])[1 + i % 7] = 'varde.triage.v1.PatientTriaged'
             THEN jsonb_build_object('assessmentId', md5('a' || $1 || i), 'patientId', $1, 'colour', 'COLOUR_YELLOW', 'reasons', jsonb_build_array(jsonb_build_object('ruleId', 'spo2-low', 'text', 'SpO2 91 % is below 92 %')),
               'provenance', jsonb_build_object('inputs', jsonb_build_array(jsonb_build_object('eventId', md5($1 || (i - 1)))), 'ruleSetId', 'copd-default', 'ruleSetVersion', 2, 'ruleSetHash', 'sha256:x', 'engineVersion', '1'), 'assessedAt', t)
             ELSE jsonb_build_object('measurementId', md5($1 || i), 'patientId', $1, 'code', jsonb_build_object('system', 'http://loinc.org', 'code', '2708-6'), 'value', 93, 'unit', '%') END
         FROM generate_series(0, $2::int - 1) AS i, LATERAL (SELECT timestamptz '2025-03-01T00:00:00Z' + (i * (365.0 / $2::int)) * interval '1 day' AS t) AS times`,
        [patient, count, types],
      );
    await seed(PATIENT, PATIENT_EVENTS);
    for (let p = 0; p < OTHER_PATIENTS; p++) await seed(`00000000-0000-4000-8000-${String(p).padStart(12, '0')}`, PATIENT_EVENTS);
    await pool.query('ANALYZE audit_timeline');
    const trail = new PostgresAuditTrail({ pool } as unknown as Infrastructure);
    const runs = 20;
    const first: number[] = [];
    const whole: number[] = [];
    const state: number[] = [];
    let pages = 0;
    let stateEvents = 0;
    for (let run = 0; run < runs; run++) {
      first.push((await timed(() => trail.page(PATIENT, { limit: 100 })))[1]);
      const [count, ms] = await timed(async () => {
        let n = 0;
        let page = await trail.page(PATIENT, { limit: 1000 });
        for (n = 1; page.next; n++) page = await trail.page(PATIENT, { limit: 1000, after: page.next });
        return n;
      });
      pages = count;
      whole.push(ms);
      const at = '2026-02-28T12:00:00.000Z';
      const [folded, stateMs] = await timed(async () => patientStateAsOf(await trail.upTo(PATIENT, at, at), { at, knownAt: at }));
      stateEvents = folded.events;
      state.push(stateMs);
    }
    return { events: PATIENT_EVENTS, firstPageMs: median(first), wholeMs: median(whole), pages, stateMs: median(state), stateEvents };
  } finally {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

runBenchmark(async () => {
  const postgres = await startTestPostgres();
  try {
    const timeline = await timelineFigures(postgres.databaseUrl);
    log(`timeline: ${JSON.stringify(timeline)}`);
    const steps: ChainStep[] = [];
    for (const events of CHAIN_STEPS) steps.push(await chainStep(postgres.databaseUrl, events));
    const largest = steps.at(-1)!;
    const scale = TEN_MILLION / largest.events;
    const info = machineInfo();
    console.log(`\naudit benchmark (${info.cpus} CPUs, ${info.cpuModel}, Node ${info.node}, load ${info.loadAverageAtStart} at start)`);
    console.log(
      labelledRows([
        [`timeline: first page of 100 (patient with ${timeline.events.toLocaleString('en')} events)`, `${timeline.firstPageMs.toFixed(1)} ms`],
        [`timeline: all ${timeline.events.toLocaleString('en')} events, ${timeline.pages} pages of 1 000`, `${timeline.wholeMs.toFixed(1)} ms`],
        [`state as of an instant (${timeline.stateEvents.toLocaleString('en')} events read and folded)`, `${timeline.stateMs.toFixed(1)} ms`],
        ...steps.flatMap((s): [string, string][] => [
          [`chain ${s.events.toLocaleString('en')} events: seal (sealer, one service)`, `${duration(s.sealMs)} (${rate(s.events, s.sealMs)})`],
          [`chain ${s.events.toLocaleString('en')} events: check (audit:check)`, `${duration(s.checkMs)} (${rate(s.events, s.checkMs)})`],
          [`chain ${s.events.toLocaleString('en')} events: log + chain on disk`, `${(s.bytes / 2 ** 20).toFixed(0)} MiB (${Math.round(s.bytes / s.events)} B/event)`],
        ]),
        [`chain 10,000,000 events: check, extrapolated from ${largest.events.toLocaleString('en')}`, `${duration(largest.checkMs * scale)}`],
        [`chain 10,000,000 events: seal, extrapolated`, `${duration(largest.sealMs * scale)}`],
        [`chain 10,000,000 events: disk, extrapolated`, `${((largest.bytes * scale) / 2 ** 30).toFixed(1)} GiB`],
      ]),
    );
  } finally {
    await postgres.stop();
  }
});
