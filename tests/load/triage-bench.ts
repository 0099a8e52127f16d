/**
 * `npm run bench:triage`: the triage figures of issue #4 (Speed, and item 6). Starts the platform in embedded
 * mode on its own data folder and ports, sends a few patients through the real flow (enrolled through
 * pathways, Observations posted to measurements, triaged by the triage service), seeds the triage read
 * models at scale by cloning those rows (tests/load/triage-bench-seeder.ts), then measures through the public
 * API with a clinician token: the worklist at 5 000 and at 100 000 patients (first page, filters; sequential
 * and concurrent), the same query straight on the database with its plan, sharing's RecordAccess for one
 * page (what triage's access-log outbox forwards per read), and a what-if over 1 000 COPD patients × 90 days
 * with a pathway-designer token. Prints one `TRIAGE_BENCH_RESULT {json}` line and a table. Tuning: TRIAGE_BENCH_TEAM (5000), TRIAGE_BENCH_PATIENTS
 * (100000), TRIAGE_BENCH_HISTORY_PATIENTS (1000), TRIAGE_BENCH_DAYS (90), TRIAGE_BENCH_REQUESTS (200: sequential
 * first-page reads and every SQL timing), TRIAGE_BENCH_FILTER_REQUESTS (50), TRIAGE_BENCH_CONCURRENT_REQUESTS (48),
 * TRIAGE_BENCH_CLIENTS (8). See docs/operations/benchmarks.md.
 */
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { parseDocument } from 'yaml';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { type RunningPlatform } from '../../deploy/local/platform';
import { MAX_WINDOW_MS } from '../../services/triage/src/domain/rule-set';
import { PostgresTriageHistoryProjection } from '../../services/triage/src/infrastructure/triage-history.projection';
import { enrolPatients, labelledRows, log, machineInfo, positiveEnv, runBenchmark, startBenchPlatform, type MachineInfo } from './bench-harness';
import { startProcessSampler, type MemoryFigure } from './process-sampler';
import { cursorAt, timeAccessLog, timeHttpReads, timeWorklistSql, type HttpReadFigures, type SqlFigures } from './triage-bench-probes';
import { analyse, SEED_ASSIGNEES, seedInputs, seedPatients, TRIAGE_SCHEMA, type InputTemplates, type WorklistTemplates } from './triage-bench-seeder';
import type { BenchPatient, LatencySummary } from './worklist-probe';

const repoRoot = resolve(__dirname, '..', '..');
const dataDir = join(repoRoot, '.data', 'bench-triage');
// Beside a developer's platform (0), `npm run bench` (300) and `npm run bench:store-size` (400).
const PORT_OFFSET = 500;
// deploy/local/platform.ts puts sharing's gRPC on 9105 + offset; the access log is timed there directly.
const SHARING_GRPC_PORT = 9105;
const SEED_TAG = 'bench-triage';
const PAGE = 100;

type Config = Readonly<{ team: number; patients: number; historyPatients: number; days: number; requests: number; filterRequests: number; concurrentRequests: number; clients: number }>;

/** One worklist size and what reading it cost. */
type WorklistStep = Readonly<{
  patients: number;
  loadAverage: number;
  /** Through the public API (router → triage → PostgreSQL + sharing's access log). */
  http: readonly HttpReadFigures[];
  /** The same queries straight on the database. */
  sql: Readonly<Record<string, Omit<SqlFigures, 'plan'>>>;
  /** `RecordAccess` of one page (100 patients) on its own. */
  accessLogPerPage: LatencySummary;
  firstPagePlan: string;
}>;

type WhatIfFigures = Readonly<{
  patients: number;
  days: number;
  inputs: number;
  wallSeconds: number;
  serviceDurationMs: number;
  evaluations: number;
  /** Reading the histories from triage_inputs, timed on its own with the service's projection class. */
  historyReadMs: number;
  totals: unknown;
  patientsChanged: number;
  triagePeak: MemoryFigure;
  triageCpuPercentOfOneCore: number;
}>;

type Result = Readonly<{ startedAt: string; config: Config; machine: MachineInfo; seeding: Record<string, number>; worklist: WorklistStep[]; whatIf: WhatIfFigures }>;

async function main(): Promise<void> {
  const config = readConfig();
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const platform = await startBenchPlatform(dataDir, { kafka: false, portOffset: PORT_OFFSET });
  // Not ended on shutdown: ending it under a running query fails main, whose second shutdown would exit the
  // process before the platform (PostgreSQL included) has stopped. It dies with the process.
  const db = new pg.Pool({ connectionString: platform.databaseUrl, options: `-c search_path=${TRIAGE_SCHEMA}`, max: 4 });
  // An idle connection closed by PostgreSQL stopping must not crash the process before the cleanup ran.
  db.on('error', (error) => log(`database: ${error.message}`));

  const keysDir = join(dataDir, 'dev-issuer');
  const clinicianToken = await mintDevToken({ role: 'clinician', issuer: platform.issuer, keysDir, ttlSeconds: 4 * 3600 });
  const designerToken = await mintDevToken({ role: 'pathway-designer', issuer: platform.issuer, keysDir, ttlSeconds: 4 * 3600 });
  const { worklist: worklistTemplates, inputs: inputTemplates } = await realFlow(platform, db, clinicianToken, keysDir);

  const now = new Date();
  const seeding: Record<string, number> = {};
  let started = performance.now();
  const small = await seedPatients(db, SEED_TAG, worklistTemplates, now, 0, config.team - 1, config.historyPatients);
  const inputs = await seedInputs(db, SEED_TAG, inputTemplates, now, config.days, config.historyPatients);
  await analyse(db);
  seeding['teamSeconds'] = round((performance.now() - started) / 1000);
  seeding['inputs'] = inputs;
  log(`seeded ${small.worklist} worklist rows, ${small.alerts} alerts, ${inputs} inputs in ${seeding['teamSeconds']} s`);

  const worklist: WorklistStep[] = [await measureWorklist(platform, db, clinicianToken, config, config.team)];
  started = performance.now();
  const large = await seedPatients(db, SEED_TAG, worklistTemplates, now, config.team, config.patients - 1, config.historyPatients);
  await analyse(db);
  seeding['growSeconds'] = round((performance.now() - started) / 1000);
  log(`seeded ${large.worklist} more worklist rows, ${large.alerts} alerts in ${seeding['growSeconds']} s`);
  worklist.push(await measureWorklist(platform, db, clinicianToken, config, config.patients));

  const whatIf = await measureWhatIf(platform, db, designerToken, config, now, inputs);
  const result: Result = { startedAt, config, machine, seeding, worklist, whatIf };
  await writeFile(join(dataDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`TRIAGE_BENCH_RESULT ${JSON.stringify(result)}\n`);
  process.stdout.write(table(result));
}

/**
 * Sends four patients through the real flow and waits until triage has written their rows: a red (SpO2
 * 88 %) and a yellow (pulse 115 /min) patient with open alerts, a green one (SpO2 96 %), and one with no
 * reports yet. Their rows are the templates the seeder clones.
 */
async function realFlow(platform: RunningPlatform, db: pg.Pool, clinicianToken: string, keysDir: string): Promise<{ worklist: WorklistTemplates; inputs: InputTemplates }> {
  const [red, yellow, green, noReports] = (await enrolPatients(platform, clinicianToken, 4, keysDir)) as [BenchPatient, BenchPatient, BenchPatient, BenchPatient];
  await postObservation(platform.baseUrl, red, '2708-6', 88, '%');
  await postObservation(platform.baseUrl, yellow, '8867-4', 115, '/min');
  await postObservation(platform.baseUrl, green, '2708-6', 96, '%');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await db.query<{ ready: boolean }>(
      `SELECT (SELECT colour FROM worklist WHERE patient_id = $1) = 'red'
          AND (SELECT colour FROM worklist WHERE patient_id = $2) = 'yellow'
          AND EXISTS (SELECT FROM alerts WHERE patient_id = $1) AND EXISTS (SELECT FROM alerts WHERE patient_id = $2)
          AND EXISTS (SELECT FROM triage_inputs WHERE patient_id = $3)
          AND EXISTS (SELECT FROM worklist WHERE patient_id = $4) AS ready`,
      [red.patientId, yellow.patientId, green.patientId, noReports.patientId],
    );
    if (rows[0]?.ready) break;
    if (Date.now() > deadline) throw new Error('triage did not write the rows of the real flow within 60 s (see .data/bench-triage/logs/triage.log)');
    await sleep(250);
  }
  const input = async (patientId: string): Promise<string> => (await db.query<{ event_id: string }>('SELECT event_id FROM triage_inputs WHERE patient_id = $1', [patientId])).rows[0]!.event_id;
  // A green patient whose reading changed nothing may keep the registration row; the seeder clones whichever it has.
  log('real flow done: red, yellow, green and no-report patients triaged');
  return {
    worklist: { red: red.patientId, yellow: yellow.patientId, green: green.patientId, noReports: noReports.patientId },
    inputs: { spo2: await input(red.patientId), pulse: await input(yellow.patientId) },
  };
}

async function postObservation(baseUrl: string, patient: BenchPatient, loinc: string, value: number, unit: string): Promise<void> {
  const response = await fetch(`${baseUrl}/fhir/Observation`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patient.token}` },
    body: JSON.stringify({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
      subject: { reference: `Patient/${patient.patientId}` },
      effectiveDateTime: new Date().toISOString(),
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    }),
  });
  if (response.status !== 201) throw new Error(`POST /fhir/Observation answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

async function measureWorklist(platform: RunningPlatform, db: pg.Pool, token: string, config: Config, patients: number): Promise<WorklistStep> {
  const loadAverage = round(loadavg()[0] ?? 0);
  log(`worklist at ${patients} patients (load average ${loadAverage}) …`);
  const reads: ReadonlyArray<readonly [string, string, Parameters<typeof timeWorklistSql>[1]]> = [
    ['first page', `/api/worklist?limit=${PAGE}`, { limit: PAGE }],
    ['yellow', `/api/worklist?colour=yellow&limit=${PAGE}`, { colour: 'yellow', limit: PAGE }],
    ['pathway heart-failure', `/api/worklist?pathway=heart-failure&limit=${PAGE}`, { pathwayId: 'heart-failure', limit: PAGE }],
    ['copd green', `/api/worklist?pathway=copd&colour=green&limit=${PAGE}`, { pathwayId: 'copd', colour: 'green', limit: PAGE }],
    ['assignee', `/api/worklist?assignee=bench-clinician-${SEED_ASSIGNEES - 1}&limit=${PAGE}`, { assignee: `bench-clinician-${SEED_ASSIGNEES - 1}`, limit: PAGE }],
    // No patient shown, so no access-log write: what the router, auth and Nest cost on their own.
    ['empty (no access log)', `/api/worklist?pathway=no-such-pathway&limit=${PAGE}`, { pathwayId: 'no-such-pathway', limit: PAGE }],
  ];
  const http: HttpReadFigures[] = [];
  const sql: Record<string, Omit<SqlFigures, 'plan'>> = {};
  let firstPagePlan = '';
  for (const [name, path, filter] of reads) {
    log(`  ${name}: ${path}`);
    const count = name === 'first page' ? config.requests : config.filterRequests;
    const figures = await timeHttpReads(platform.baseUrl, path, token, count, config.concurrentRequests, config.clients);
    http.push(figures);
    const { plan, ...sqlFigures } = await timeWorklistSql(db, filter, config.requests);
    sql[name] = sqlFigures;
    log(`    ${figures.entries} entries: HTTP p50 ${figures.sequential.p50} ms, ${config.clients} clients p50 ${figures.concurrent.p50} ms, ${figures.failed} failed; SQL p50 ${sqlFigures.latency.p50} ms`);
    for (const error of figures.errors) log(`    ${error}`);
    if (name === 'first page') firstPagePlan = plan;
  }
  // The HTTP API has no page token (gRPC ListWorklist pages): the keyset query is timed on the database.
  for (const depth of [PAGE, 10 * PAGE, Math.floor(patients / 2)]) {
    const { plan: _plan, ...figures } = await timeWorklistSql(db, { limit: PAGE, after: await cursorAt(db, depth) }, config.requests);
    sql[`keyset page after ${depth}`] = figures;
  }
  const { rows } = await db.query<{ patient_id: string }>(`SELECT patient_id FROM worklist ORDER BY colour_rank DESC, since, patient_id LIMIT ${PAGE}`);
  const accessLogPerPage = await timeAccessLog(`127.0.0.1:${SHARING_GRPC_PORT + PORT_OFFSET}`, platform.issuer, rows.map((r) => r.patient_id), config.requests);
  return { patients, loadAverage, http, sql, accessLogPerPage, firstPagePlan };
}

async function measureWhatIf(platform: RunningPlatform, db: pg.Pool, token: string, config: Config, to: Date, inputs: number): Promise<WhatIfFigures> {
  const from = new Date(to.getTime() - config.days * 86_400_000);
  const candidate = await candidateRuleSet();
  const historyStarted = performance.now();
  // The same window the service reads: the period plus the longest rule window before it.
  await new PostgresTriageHistoryProjection(db).histories('copd', new Date(from.getTime() - MAX_WINDOW_MS), to);
  const historyReadMs = round(performance.now() - historyStarted);
  log(`what-if over ${config.days} days of copd history (${inputs} inputs) …`);
  const sampler = startProcessSampler(process.pid, 200);
  const started = performance.now();
  const response = await fetch(`${platform.baseUrl}/api/triage/what-if`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ pathwayId: 'copd', candidate, from: from.toISOString(), to: to.toISOString() }),
    signal: AbortSignal.timeout(15 * 60_000),
  });
  const text = await response.text();
  const wallSeconds = round((performance.now() - started) / 1000);
  const { memory, cpu } = sampler.stop();
  if (response.status !== 200) throw new Error(`POST /api/triage/what-if answered ${response.status}: ${text.slice(0, 500)}`);
  const report = JSON.parse(text) as { patients: number; evaluations: number; durationMs: number; totals: unknown; perPatient: unknown[] };
  return {
    patients: report.patients,
    days: config.days,
    inputs,
    wallSeconds,
    serviceDurationMs: report.durationMs,
    evaluations: report.evaluations,
    historyReadMs,
    totals: report.totals,
    patientsChanged: report.perPatient.length,
    triagePeak: memory.servicesPeak['triage'] ?? { rssMb: 0, pssMb: 0 },
    triageCpuPercentOfOneCore: cpu.percentOfOneCore['triage'] ?? 0,
  };
}

/** The shipped COPD rule set with spo2-low at 92 % instead of 90 %: the change a designer would try first. */
async function candidateRuleSet(): Promise<string> {
  const document = parseDocument(await readFile(join(repoRoot, 'services', 'triage', 'rule-sets', 'copd-default.yaml'), 'utf8'));
  const rules = document.get('rules') as { items: Array<{ get: (key: string) => unknown; set: (key: string, value: unknown) => void }> };
  const rule = rules.items.find((r) => r.get('id') === 'spo2-low');
  if (!rule) throw new Error('copd-default.yaml has no spo2-low rule');
  rule.set('threshold', 92);
  return document.toString();
}

function readConfig(): Config {
  const config = {
    team: positiveEnv('TRIAGE_BENCH_TEAM', 5_000),
    patients: positiveEnv('TRIAGE_BENCH_PATIENTS', 100_000),
    historyPatients: positiveEnv('TRIAGE_BENCH_HISTORY_PATIENTS', 1_000),
    days: positiveEnv('TRIAGE_BENCH_DAYS', 90),
    requests: positiveEnv('TRIAGE_BENCH_REQUESTS', 200),
    // Every read writes one access-log event per patient shown, which makes reads slow enough that the
    // filtered reads and the concurrent run get fewer requests by default, so the run ends in minutes.
    filterRequests: positiveEnv('TRIAGE_BENCH_FILTER_REQUESTS', 50),
    concurrentRequests: positiveEnv('TRIAGE_BENCH_CONCURRENT_REQUESTS', 48),
    clients: positiveEnv('TRIAGE_BENCH_CLIENTS', 8),
  };
  if (config.historyPatients > config.team || config.team >= config.patients) throw new Error('expected TRIAGE_BENCH_HISTORY_PATIENTS ≤ TRIAGE_BENCH_TEAM < TRIAGE_BENCH_PATIENTS');
  if (config.days < 14) throw new Error('TRIAGE_BENCH_DAYS must be at least 14');
  return config;
}

const round = (n: number): number => Math.round(n * 100) / 100;

function table(result: Result): string {
  const ms = (l: LatencySummary): string => `p50 ${l.p50} · p95 ${l.p95} · p99 ${l.p99} ms`;
  const rows: Array<[string, string]> = [['machine', `${result.machine.cpus} CPUs (${result.machine.cpuModel}), ${result.machine.memoryGb} GB, load average at start ${result.machine.loadAverageAtStart}`]];
  for (const step of result.worklist) {
    rows.push([`— worklist at ${step.patients} patients`, `load average ${step.loadAverage}`]);
    for (const read of step.http) {
      const name = read.path.replace('/api/worklist?', '');
      rows.push([`  ${name} (${read.entries})`, `sequential ${ms(read.sequential)} (first 20 p50 ${read.sequentialFirst20P50}, last 20 p50 ${read.sequentialLast20P50})`]);
      rows.push(['', `${read.concurrent.clients} clients ${ms(read.concurrent)}, ${read.concurrent.readsPerSecond} reads/s; ${read.failed} failed`]);
    }
    for (const [name, sql] of Object.entries(step.sql)) rows.push([`  SQL ${name}`, `${ms(sql.latency)} (EXPLAIN ANALYZE ${sql.executionMs} ms, ${sql.rows} rows)`]);
    rows.push(['  sharing RecordAccess, one page', `${ms(step.accessLogPerPage)} (forwarded by the outbox, not part of a read)`]);
  }
  const w = result.whatIf;
  rows.push(['— what-if', `${w.patients} patients × ${w.days} days (${w.inputs} inputs)`]);
  rows.push(['  wall time', `${w.wallSeconds} s (service ${w.serviceDurationMs} ms; history read ${w.historyReadMs} ms)`]);
  rows.push(['  evaluations', `${w.evaluations} (${w.patientsChanged} patients differ)`]);
  rows.push(['  triage peak memory', `RSS ${w.triagePeak.rssMb} MiB · PSS ${w.triagePeak.pssMb} MiB; CPU ${w.triageCpuPercentOfOneCore} % of one core`]);
  return labelledRows(rows);
}

runBenchmark(main);
