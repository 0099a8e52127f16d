/**
 * `npm run bench:triage-catchup`: triage's own assessment throughput, measured apart from ingest (issue #4: "assessment
 * throughput must keep up with the measurement ingest rate reached in the measurements issue"). On two cores ingest at
 * its maximum takes both, so triage running beside it cannot show whether it keeps up. Instead: start the platform in
 * Kafka mode on its own data folder and ports, enrol a pool of patients, stop the triage service, ingest a backlog of
 * batch Bundles with k6 (tests/load/bundle-ingest.js) and wait until the measurements relay has published all of it,
 * then start triage again and time how long it takes to handle and commit the whole backlog, sampling CPU and memory.
 * Prints one `CATCHUP_RESULT {json}` line and a table. Tuning: CATCHUP_MEASUREMENTS (60000), CATCHUP_PATIENTS (50),
 * CATCHUP_BUNDLE_SIZE (500), CATCHUP_BUNDLE_SENDERS (4), CATCHUP_ABNORMAL_EVERY (100: every 100th reading an SpO2 of
 * 88 %; 0 for none). See docs/operations/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { type RunningPlatform } from '../../deploy/local/platform';
import { enrolPatients, labelledRows, log, machineInfo, positiveEnv, round1, runBenchmark, runK6, startBenchPlatform, summaryFigures, type K6Summary, type MachineInfo } from './bench-harness';
import { ensureK6 } from './k6';
import { counterSum, serviceMetrics } from './pipeline-metrics';
import { startProcessSampler, type CpuReport, type MemoryFigure, type MemoryReport } from './process-sampler';
import { TRIAGE_SCHEMA } from './triage-bench-seeder';
import type { BenchPatient } from './worklist-probe';

const repoRoot = resolve(__dirname, '..', '..');
const dataDir = join(repoRoot, '.data', 'bench-catchup');
// Beside a developer's platform (0), `npm run bench` (300), bench:store-size (400), bench:triage (500) and the e2e tests (700, 750).
const PORT_OFFSET = 600;
const MEASUREMENTS_TOPIC = 'varde.measurements.v1';
const TRIAGE_GROUP = 'triage.assessment';
/** Issue #3's ingest rates reached in Kafka mode on this machine: docs/operations/benchmarks.md, "Session 6". */
const INGEST_REACHED = { bundlesOf500PerSecond: 2_290, singleObservationsPerSecond: 350 } as const;
/** A wait fails when what it counts has not grown for this long (a stuck consumer, a crashed service). */
const STALL_MS = 120_000;
const POLL_MS = 250;
/** Every how many seconds the drain's progress is kept in the result. */
const PROGRESS_EVERY_S = 5;

type Config = Readonly<{ patients: number; measurements: number; bundleSize: number; bundleSenders: number; abnormalEvery: number }>;

/** What triage's consumer group did with the backlog's messages (`varde_messages_consumed_total`, after the commit). */
type Outcomes = Readonly<{ processed: number; duplicate: number; deadLettered: number }>;

/** Everything one run measured; the shape of `CATCHUP_RESULT` and `.data/bench-catchup/result.json`. */
type CatchupResult = Readonly<{
  startedAt: string;
  config: Config;
  machine: MachineInfo;
  ingest: Readonly<{
    /** Entries answered `201 Created`. */
    measurements: number;
    bundles: number;
    failedBundles: number;
    runSeconds: number;
    /** Created entries per second of the k6 run, triage stopped. */
    measurementsPerSecond: number;
    /** From the end of the k6 run until the measurements relay had published every MeasurementRecorded. */
    relayTailSeconds: number;
  }>;
  drain: Readonly<{
    /** MeasurementRecorded events in the measurements store, all published, none yet seen by triage. */
    backlog: number;
    /** `startService('triage')` until the service answered ready (it may start consuming a little earlier). */
    startupSeconds: number;
    /** The restart until triage's first backlog transaction began (boot, joining the consumer group, first fetch). */
    firstAssessedAfterSeconds: number;
    /** Triage's first backlog transaction until every backlog message was seen handled and committed. */
    drainSeconds: number;
    /** The restart until every backlog message was seen handled and committed: the catch-up an operator waits for. */
    wallSeconds: number;
    /** Backlog ÷ drainSeconds: the assessment throughput. */
    assessedPerSecond: number;
    /** Backlog ÷ wallSeconds: the same with the service's boot and group join. */
    assessedPerSecondWithRestart: number;
    outcomes: Outcomes;
    /** `triage_inputs` rows from the measurements topic at the end: one per measurement, written in the consumer's transaction. */
    inputsRecorded: number;
    /** PatientTriaged events appended during the drain (an outcome changed). */
    decisions: number;
    /** AlertRaised events appended during the drain (a move to yellow or red with no alert open). */
    alertsRaised: number;
    /** [seconds since the restart, messages committed], every PROGRESS_EVERY_S seconds from the service's first answer. */
    progress: ReadonlyArray<readonly [number, number]>;
  }>;
  /** Assessed/s ÷ each of issue #3's ingest rates: at or above 1, triage keeps up with that ingest. */
  versusIngest: Readonly<{ bundlesOf500: number; singleObservations: number }>;
  /** CPU during the drain, % of one core: triage, PostgreSQL, Kafka, and the other services with the bench process. */
  cpuGroups: Readonly<{ triage: number; postgres: number; kafka: number; others: number }>;
  triagePeak: MemoryFigure;
  cpu: CpuReport;
  memory: MemoryReport;
}>;

/** A number read from PostgreSQL: the column `n` of a one-row query. */
type ReadNumber = (sql: string, values?: unknown[]) => Promise<number>;

async function main(): Promise<void> {
  const config = readConfig();
  const k6 = await ensureK6();
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const platform = await startBenchPlatform(dataDir, { kafka: true, portOffset: PORT_OFFSET });
  // Not ended on shutdown, as in triage-bench.ts: it dies with the process, after the platform has stopped.
  const db = new pg.Pool({ connectionString: platform.databaseUrl, max: 2 });
  db.on('error', (error) => log(`database: ${error.message}`));
  const readNumber: ReadNumber = async (sql, values = []) => Number((await db.query<{ n: string }>(sql, values)).rows[0]?.n ?? 0);
  const eventCount = (type: string): Promise<number> => readNumber(`SELECT count(*) AS n FROM ${TRIAGE_SCHEMA}.emt_messages WHERE message_type = $1`, [type]);

  const keysDir = join(dataDir, 'dev-issuer');
  const clinicianToken = await mintDevToken({ role: 'clinician', issuer: platform.issuer, keysDir });
  const patients = await enrolPatients(platform, clinicianToken, config.patients, keysDir);
  // Registrations handled after the restart would be work of another kind inside the measured drain.
  await waitUntil('triage to register every patient', () => readNumber(`SELECT count(*) AS n FROM ${TRIAGE_SCHEMA}.triage_patients`), config.patients);
  const [decisionsBefore, alertsBefore] = [await eventCount('PatientTriaged'), await eventCount('AlertRaised')];
  log('stopping triage …');
  await platform.stopService('triage');

  const { ingest, backlog } = await ingestBacklog(platform, k6, config, patients, startedAt, readNumber);
  const { drain, cpu, memory } = await drainBacklog(platform, backlog, readNumber);
  const decisions = (await eventCount('PatientTriaged')) - decisionsBefore;
  const alertsRaised = (await eventCount('AlertRaised')) - alertsBefore;
  const of = (group: string): number => cpu.percentOfOneCore[group] ?? 0;
  const versus = (reference: number): number => Math.round((drain.assessedPerSecond / reference) * 100) / 100;
  const result: CatchupResult = {
    startedAt,
    config,
    machine,
    ingest,
    drain: { ...drain, decisions, alertsRaised },
    versusIngest: { bundlesOf500: versus(INGEST_REACHED.bundlesOf500PerSecond), singleObservations: versus(INGEST_REACHED.singleObservationsPerSecond) },
    cpuGroups: {
      triage: of('triage'),
      postgres: of('postgres'),
      kafka: of('kafka'),
      others: round1(Object.entries(cpu.percentOfOneCore).reduce((sum, [group, p]) => (['triage', 'postgres', 'kafka'].includes(group) ? sum : sum + p), 0)),
    },
    triagePeak: memory.servicesPeak['triage'] ?? { rssMb: 0, pssMb: 0 },
    cpu,
    memory,
  };
  await writeFile(join(dataDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`CATCHUP_RESULT ${JSON.stringify(result)}\n`);
  process.stdout.write(table(result));
}

/** Posts the backlog's Bundles with k6 while triage is stopped and waits until the measurements relay has published all of it. */
async function ingestBacklog(platform: RunningPlatform, k6: string, config: Config, patients: readonly BenchPatient[], startedAt: string, readNumber: ReadNumber): Promise<{ ingest: CatchupResult['ingest']; backlog: number }> {
  const patientsFile = join(dataDir, 'k6-patients.json');
  const summaryFile = join(dataDir, 'k6-summary.json');
  await writeFile(patientsFile, JSON.stringify(patients));
  await rm(summaryFile, { force: true });
  const iterations = Math.ceil(config.measurements / config.bundleSize);
  log(`k6: ${iterations} batch Bundles of ${config.bundleSize} from ${config.bundleSenders} senders over ${patients.length} patients, triage stopped …`);
  await runK6(k6, {
    BASE_URL: platform.baseUrl,
    PATIENTS_FILE: patientsFile,
    SUMMARY_FILE: summaryFile,
    RUN_ID: randomUUID(),
    BUNDLE_SIZE: String(config.bundleSize),
    SENDERS: String(config.bundleSenders),
    ORIGIN_MS: String(Date.parse(startedAt) - 2 * 86_400_000),
    ABNORMAL_EVERY: String(config.abnormalEvery),
    // A fixed number of Bundles, not a duration: k6 lets environment-level options replace the script's scenarios
    // (it warns that it did) with one shared-iterations scenario, which bundle-ingest.js runs unchanged.
    K6_ITERATIONS: String(iterations),
    K6_VUS: String(config.bundleSenders),
    K6_DURATION: '1h',
  }, 'bundle-ingest.js');
  const k6Done = Date.now();
  const { value, runSeconds } = summaryFigures(JSON.parse(await readFile(summaryFile, 'utf8')) as K6Summary);
  const created = value('bundle_entries_ok', 'count');
  const bundles = value('bundles_ok', 'count');

  const backlog = await readNumber(`SELECT count(*) AS n FROM measurements.emt_messages WHERE message_type = 'MeasurementRecorded'`);
  log(`${created} measurements created in ${round1(runSeconds)} s; waiting for the relay to publish all ${backlog} …`);
  await waitUntil('the measurements relay to publish the backlog', async () => counterSum(await serviceMetrics(platform, 'measurements'), 'varde_messages_published_total', { topic: MEASUREMENTS_TOPIC }), backlog);
  return {
    ingest: {
      measurements: created,
      bundles,
      failedBundles: value('http_reqs', 'count') - bundles,
      runSeconds: round1(runSeconds),
      measurementsPerSecond: Math.round(created / runSeconds),
      relayTailSeconds: round1((Date.now() - k6Done) / 1000),
    },
    backlog,
  };
}

/** Starts triage again and times how long it takes to handle and commit the whole backlog, sampling CPU and memory meanwhile. */
async function drainBacklog(platform: RunningPlatform, backlog: number, readNumber: ReadNumber): Promise<{ drain: Omit<CatchupResult['drain'], 'decisions' | 'alertsRaised'>; cpu: CpuReport; memory: MemoryReport }> {
  log(`starting triage on a backlog of ${backlog} measurements …`);
  const restarted = Date.now();
  await platform.startService('triage');
  const ready = Date.now();
  // From ready: the sampler would otherwise count the service's boot (compiling, Nest) as assessment work.
  const sampler = startProcessSampler(process.pid, 500);
  const progress: Array<[number, number]> = [];
  const done = await waitUntil('triage to handle the backlog', async () => handled(consumed(await serviceMetrics(platform, 'triage'))), backlog, (handledNow, at) => {
    const seconds = (at - restarted) / 1000;
    if (progress.length === 0 || seconds >= progress.at(-1)![0] + PROGRESS_EVERY_S) progress.push([round1(seconds), handledNow]);
  });
  const { memory, cpu } = sampler.stop();
  const outcomes = consumed(await serviceMetrics(platform, 'triage'));
  const inputsRecorded = await readNumber(`SELECT count(*) AS n FROM ${TRIAGE_SCHEMA}.triage_inputs WHERE source = $1`, [MEASUREMENTS_TOPIC]);
  // The counter moves only after a message's transaction committed, so every handled measurement must have its input row.
  if (inputsRecorded < outcomes.processed) log(`warning: ${outcomes.processed} measurements handled but only ${inputsRecorded} triage_inputs rows`);
  // The consumer starts as the service initialises, before it listens, so it may consume before it answers ready: the
  // drain starts at its first backlog transaction (a processed message id carries its transaction's start time).
  const firstTransaction = await readNumber(
    `SELECT extract(epoch FROM min(processed_at)) * 1000 AS n FROM ${TRIAGE_SCHEMA}.processed_messages WHERE group_id = $1 AND processed_at >= to_timestamp($2 / 1000.0)`,
    [TRIAGE_GROUP, restarted],
  );
  const drainSeconds = (done - firstTransaction) / 1000;
  const wallSeconds = (done - restarted) / 1000;
  return {
    drain: {
      backlog,
      startupSeconds: round1((ready - restarted) / 1000),
      firstAssessedAfterSeconds: round1((firstTransaction - restarted) / 1000),
      drainSeconds: round1(drainSeconds),
      wallSeconds: round1(wallSeconds),
      assessedPerSecond: Math.round(backlog / drainSeconds),
      assessedPerSecondWithRestart: Math.round(backlog / wallSeconds),
      outcomes,
      inputsRecorded,
      progress,
    },
    cpu,
    memory,
  };
}

function readConfig(): Config {
  return {
    patients: positiveEnv('CATCHUP_PATIENTS', 50),
    measurements: positiveEnv('CATCHUP_MEASUREMENTS', 60_000),
    bundleSize: positiveEnv('CATCHUP_BUNDLE_SIZE', 500),
    bundleSenders: positiveEnv('CATCHUP_BUNDLE_SENDERS', 4),
    // 1 % of readings below the COPD threshold: patients turn red and back, so alerts and decisions are part of the work.
    abnormalEvery: process.env['CATCHUP_ABNORMAL_EVERY'] === '0' ? 0 : positiveEnv('CATCHUP_ABNORMAL_EVERY', 100),
  };
}

/**
 * Polls `read` every POLL_MS until it reaches `target`, passing each reading and when it was taken to `onReading`;
 * resolves with the time (epoch ms) of the answer that reached it, so the work is never done earlier than
 * reported. Fails when the reading has not grown for STALL_MS.
 */
async function waitUntil(what: string, read: () => Promise<number>, target: number, onReading?: (value: number, at: number) => void): Promise<number> {
  let last = -1;
  let grewAt = Date.now();
  for (;;) {
    const value = await read();
    const at = Date.now();
    onReading?.(value, at);
    if (value >= target) return at;
    if (value > last) [last, grewAt] = [value, at];
    else if (at - grewAt > STALL_MS) throw new Error(`waited for ${what}: stuck at ${value} of ${target} for ${STALL_MS / 1000} s (see ${join(dataDir, 'logs')})`);
    await sleep(POLL_MS);
  }
}

/** Triage's assessment group on the measurements topic, from its /metrics; a retry is not an outcome. */
function consumed(text: string): Outcomes {
  const outcome = (o: string): number => counterSum(text, 'varde_messages_consumed_total', { topic: MEASUREMENTS_TOPIC, group: TRIAGE_GROUP, outcome: o });
  return { processed: outcome('processed'), duplicate: outcome('duplicate'), deadLettered: outcome('dead_lettered') };
}

/** Messages done with: processed, skipped as duplicates, or dead-lettered. */
const handled = (o: Outcomes): number => o.processed + o.duplicate + o.deadLettered;

function table(result: CatchupResult): string {
  const { ingest, drain, versusIngest, cpuGroups, cpu, triagePeak } = result;
  const rows: Array<[string, string]> = [
    ['machine', `${result.machine.cpus} CPUs (${result.machine.cpuModel}), ${result.machine.memoryGb} GB, load average at start ${result.machine.loadAverageAtStart}`],
    ['ingest, triage stopped', `${ingest.measurements} measurements in ${ingest.bundles} Bundles of ${result.config.bundleSize} (${ingest.failedBundles} failed): ${ingest.measurementsPerSecond}/s over ${ingest.runSeconds} s`],
    ['abnormal readings', result.config.abnormalEvery > 0 ? `every ${result.config.abnormalEvery}th an SpO2 of 88 %` : 'none'],
    ['relay tail', `all ${drain.backlog} published ${ingest.relayTailSeconds} s after the last Bundle`],
    ['triage restart', `answered ready after ${drain.startupSeconds} s; first backlog transaction ${drain.firstAssessedAfterSeconds} s after the restart`],
    ['drain', `${drain.drainSeconds} s from the first backlog transaction to the whole backlog committed; ${drain.wallSeconds} s from the restart (${drain.outcomes.processed} processed, ${drain.outcomes.duplicate} duplicates, ${drain.outcomes.deadLettered} dead-lettered)`],
    ['assessed', `${drain.assessedPerSecond} measurements/s (${drain.assessedPerSecondWithRestart}/s with the restart)`],
    ['vs issue #3 ingest', `× ${versusIngest.bundlesOf500} of ${INGEST_REACHED.bundlesOf500PerSecond}/s (Bundles of 500) · × ${versusIngest.singleObservations} of ${INGEST_REACHED.singleObservationsPerSecond}/s (single Observations)`],
    ['recorded', `${drain.inputsRecorded} triage inputs, ${drain.decisions} PatientTriaged decisions, ${drain.alertsRaised} alerts raised`],
    ['CPU (% of one core)', `triage ${cpuGroups.triage} · postgres ${cpuGroups.postgres} · kafka ${cpuGroups.kafka} · others ${cpuGroups.others}`],
    ['CPU by group', Object.entries(cpu.percentOfOneCore).map(([group, p]) => `${group} ${p}`).join(' · ')],
    ['CPU outside the bench', `${cpu.outsideBenchPercentOfOneCore} % of one core (machine busy ${cpu.machineBusyPercentOfOneCore} % of ${result.machine.cpus * 100} %)`],
    ['triage peak memory', `RSS ${triagePeak.rssMb} MiB · PSS ${triagePeak.pssMb} MiB`],
  ];
  return labelledRows(rows);
}

runBenchmark(main);
