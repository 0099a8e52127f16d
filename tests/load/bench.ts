/**
 * `npm run bench`: starts the whole platform (Kafka mode unless `--embedded`) on its own data folder and
 * ports, enrols a pool of patients, drives Observation ingest with k6 at a fixed arrival rate while probing
 * ingest → worklist latency and sampling memory, then prints one `BENCH_RESULT {json}` line and a table.
 * Tuning: BENCH_RATE (requests/s, default 300), BENCH_DURATION (default 30s), BENCH_PATIENTS (default 200),
 * BENCH_PROBES (default 20). `--scenario streams` drives stream chunks instead (tests/load/stream-ingest.js: each
 * patient posts a 60-sample 1 Hz chunk every 60 s, so the rate defaults to BENCH_PATIENTS / 60 chunks/s).
 * `--scenario bundles` drives batch ingest (tests/load/bundle-ingest.js: BENCH_BUNDLE_SENDERS senders, default 4,
 * post batch Bundles of BENCH_BUNDLE_SIZE Observations, default 500, back to back; or, with BENCH_RATE set, Bundles
 * at a constant arrival rate of BENCH_RATE measurements/s; no worklist probes unless BENCH_PROBES is set). See docs/operations/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import type { RunningPlatform } from '../../deploy/local/platform';
import {
  enrolPatients,
  labelledRows,
  log,
  machineInfo,
  parseDuration,
  positiveEnv,
  readIngest,
  round1,
  runBenchmark,
  runK6,
  startBenchPlatform,
  summaryFigures,
  type IngestFigures,
  type K6Summary,
  type MachineInfo,
} from './bench-harness';
import { ensureK6 } from './k6';
import { startProcessSampler, type CpuReport, type MemoryFigure, type MemoryReport, type ProcessSampler, type SampledFigures } from './process-sampler';
import { pipelineRow, readPipeline, triagedCount, untilTriaged, type PipelineFigures } from './pipeline-metrics';
import { runWorklistProbes, type ProbeReport } from './worklist-probe';

const repoRoot = resolve(__dirname, '..', '..');
const dataDir = join(repoRoot, '.data', 'bench');
// Far from the developer platform's ports (8080, 5433, 19092, …) so both can run at once.
// VARDE_PORT_OFFSET moves it, so benches of several checkouts on one machine do not collide.
const PORT_OFFSET = Number(process.env['VARDE_PORT_OFFSET'] ?? 300);

type Scenario = 'observations' | 'streams' | 'bundles';
type BenchConfig = Readonly<{
  mode: 'kafka' | 'embedded';
  scenario: Scenario;
  /**
   * Requests per second of the arrival-rate scenarios. For `bundles`, measurements per second (sent as rate ÷
   * bundleSize Bundles/s) when BENCH_RATE is set, else 0: the senders post back to back.
   */
  rate: number;
  durationSeconds: number;
  patients: number;
  probes: number;
  bundleSize: number;
  bundleSenders: number;
}>;

/** Samples per chunk of the streams scenario: one minute at 1 Hz. */
const STREAM_SAMPLES = 60;

/** What the `bundles` scenario achieved: Bundles and the measurements (entries) in them. */
type BundleFigures = Readonly<{
  senders: number;
  bundleSize: number;
  /** Measurements/s asked for (open loop), or 0 when the senders post back to back. */
  targetMeasurementsPerSecond: number;
  /** Bundles the arrival rate asked for that k6 could not start: every sender was still waiting on the platform. */
  droppedBundles: number;
  /** Bundles whose every entry was answered `201 Created`. */
  bundles: number;
  bundlesPerSecond: number;
  /** Entries answered `201 Created`, per second of the k6 run: the batch ingest throughput. */
  measurements: number;
  measurementsPerSecond: number;
  failedBundles: number;
  runSeconds: number;
  /** http_req_duration of one Bundle, 2xx answers. */
  latencyMs: Readonly<{ p50: number; p95: number; p99: number; max: number }>;
}>;

/** Everything one run measured; the shape of `BENCH_RESULT` and `.data/bench/result.json`. */
type BenchResult = Readonly<{
  startedAt: string;
  config: BenchConfig;
  machine: MachineInfo;
  ingest: IngestFigures | BundleFigures;
  ingestToWorklist?: ProbeReport;
  /** The asynchronous path's parts, from the services' own histograms (relay delay, triage delivery). */
  pipeline: PipelineFigures;
  /** Memory and CPU of the load window. */
  memory: MemoryReport;
  cpu: CpuReport;
  /** Until triage had handled every measurement of the load (absent for streams, whose samples triage reads by chunk). */
  endToEnd?: EndToEndFigures;
}>;

/**
 * From the load's start until triage had handled every measurement it brought: the rate the platform sustains
 * end to end. `ingest` counts what was accepted in the load window, while the relay and triage may still be
 * working off a backlog; at the ceiling (the closed loop) that backlog can be most of the work, so the ingest rate
 * and the window's CPU say little about what the platform keeps up with. This counts the backlog in.
 */
type EndToEndFigures = Readonly<{
  measurements: number;
  /** False when BENCH_DRAIN_TIMEOUT ran out first: then `measurements` is what triage had handled by then. */
  drained: boolean;
  /** After the load ended. */
  drainSeconds: number;
  /** From the load's start. */
  seconds: number;
  measurementsPerSecond: number;
  /** The platform's processes (not k6, not the bench), over the whole time. */
  cpuMsPerMeasurement: number;
  cpu: CpuReport;
}>;

/** How far back the bundles scenario's first readings lie: room for 2 days × patients ÷ measurements/s of run. */
const BUNDLE_HISTORY_MS = 2 * 86_400_000;
const K6_SCRIPTS: Readonly<Record<Scenario, string>> = { observations: 'observation-ingest.js', streams: 'stream-ingest.js', bundles: 'bundle-ingest.js' };

async function main(): Promise<void> {
  const config = readConfig();
  const k6 = await ensureK6();
  const startedAt = new Date().toISOString();
  // Other work on the machine skews every figure; the 1-minute load average before start shows it.
  const machine = machineInfo();
  // From empty stores so runs compare, and probe patients cannot already be red.
  const platform = await startBenchPlatform(dataDir, { kafka: config.mode === 'kafka', portOffset: PORT_OFFSET });

  const keysDir = join(dataDir, 'dev-issuer');
  const clinicianToken = await mintDevToken({ role: 'clinician', issuer: platform.issuer, keysDir });
  const enrolled = await enrolPatients(platform, clinicianToken, config.patients + config.probes, keysDir);
  const pool = enrolled.slice(0, config.patients);
  const probePatients = enrolled.slice(config.patients);
  const patientsFile = join(dataDir, 'k6-patients.json');
  await writeFile(patientsFile, JSON.stringify(pool));

  const triagedBefore = config.scenario === 'streams' ? 0 : await triagedCount(platform);
  const sampler = startProcessSampler(process.pid, 500);
  const loadStartedAt = Date.now();
  const runId = randomUUID();
  const summaryFile = join(dataDir, 'k6-summary.json');
  await rm(summaryFile, { force: true });
  log(`k6: ${loadDescription(config)} for ${config.durationSeconds} s over ${pool.length} patients …`);
  const k6Run = runK6(k6, {
    BASE_URL: platform.baseUrl,
    PATIENTS_FILE: patientsFile,
    RATE: String(config.rate),
    DURATION: `${config.durationSeconds}s`,
    SUMMARY_FILE: summaryFile,
    RUN_ID: runId,
    SAMPLES: String(STREAM_SAMPLES),
    BUNDLE_SIZE: String(config.bundleSize),
    SENDERS: String(config.bundleSenders),
    ...(config.scenario === 'bundles' && config.rate > 0 ? { MEASUREMENT_RATE: String(config.rate) } : {}),
    // Bundles: each patient's readings run on from here, one second apart (bundle-ingest.js).
    ORIGIN_MS: String(Date.parse(startedAt) - BUNDLE_HISTORY_MS),
  }, K6_SCRIPTS[config.scenario]);
  // Memory and CPU describe the load window; probes still waiting after it only drain the backlog.
  const loadWindow = k6Run.then((): { endedAt: number; sampled: SampledFigures } => ({ endedAt: Date.now(), sampled: sampler.snapshot() }));
  let ingestToWorklist: ProbeReport | undefined;
  let window: { endedAt: number; sampled: SampledFigures };
  if (probePatients.length > 0) {
    // Probes start once the load has settled, so they measure latency under the target rate.
    await sleep(Math.min(5, config.durationSeconds / 3) * 1000);
    log(`probing ingest → worklist latency with ${probePatients.length} patients …`);
    [ingestToWorklist, window] = await Promise.all([
      runWorklistProbes({ baseUrl: platform.baseUrl, clinicianToken, patients: probePatients, spacingMs: 250, pollIntervalMs: 50, timeoutMs: 30_000, runId }),
      loadWindow,
    ]);
  } else {
    window = await loadWindow;
  }

  const pipeline = await readPipeline(platform);
  const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as K6Summary;
  const ingest = config.scenario === 'bundles' ? readBundles(summary, config) : readIngest(summary, config.rate);
  const loadMeasurements = 'bundleSize' in ingest ? ingest.measurements : config.scenario === 'observations' ? ingest.succeeded : undefined;
  const endToEnd = loadMeasurements === undefined ? undefined : await untilAllTriaged(platform, sampler, { startedAt: loadStartedAt, endedAt: window.endedAt, triagedBefore, measurements: loadMeasurements + (ingestToWorklist?.completed ?? 0) });
  sampler.stop();
  const result: BenchResult = {
    startedAt,
    config,
    machine,
    ingest,
    ...(ingestToWorklist ? { ingestToWorklist } : {}),
    pipeline,
    ...window.sampled,
    ...(endToEnd ? { endToEnd } : {}),
  };
  await writeFile(join(dataDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  process.stdout.write(table(result));
}

/** Waits until triage has handled `measurements` more than it had before the load, and sums up the time since the load started. */
async function untilAllTriaged(platform: RunningPlatform, sampler: ProcessSampler, load: Readonly<{ startedAt: number; endedAt: number; triagedBefore: number; measurements: number }>): Promise<EndToEndFigures> {
  log(`waiting until triage has handled the load's ${load.measurements} measurements …`);
  const triaged = await untilTriaged(platform, load.triagedBefore + load.measurements, parseDuration(process.env['BENCH_DRAIN_TIMEOUT'] ?? '600s', 'BENCH_DRAIN_TIMEOUT') * 1000);
  const doneAt = Date.now();
  const { cpu } = sampler.snapshot();
  const measurements = triaged.drained ? load.measurements : triaged.triaged - load.triagedBefore;
  const seconds = (doneAt - load.startedAt) / 1000;
  const platformPercent = Object.entries(cpu.percentOfOneCore).reduce((sum, [group, percent]) => (group === 'k6' || group === 'bench+router' ? sum : sum + percent), 0);
  return {
    measurements,
    drained: triaged.drained,
    drainSeconds: round1((doneAt - load.endedAt) / 1000),
    seconds: round1(seconds),
    measurementsPerSecond: Math.round(measurements / seconds),
    cpuMsPerMeasurement: Math.round(((platformPercent * cpu.windowSeconds * 10) / Math.max(1, measurements)) * 1000) / 1000,
    cpu,
  };
}

function readConfig(): BenchConfig {
  const named = process.argv.includes('--scenario') ? process.argv[process.argv.indexOf('--scenario') + 1] : 'observations';
  if (named !== 'observations' && named !== 'streams' && named !== 'bundles') throw new Error(`--scenario must be observations, streams or bundles, not "${named}"`);
  const scenario: Scenario = named;
  const patients = positiveEnv('BENCH_PATIENTS', scenario === 'bundles' ? 50 : 200);
  return {
    mode: process.argv.includes('--embedded') ? 'embedded' : 'kafka',
    scenario,
    rate: scenario === 'bundles' && !process.env['BENCH_RATE'] ? 0 : positiveEnv('BENCH_RATE', scenario === 'streams' ? Math.ceil(patients / STREAM_SAMPLES) : 300),
    durationSeconds: parseDuration(process.env['BENCH_DURATION'] ?? '30s'),
    patients,
    // Triage cannot assess tens of thousands of measurements a second here, so batch runs probe only when asked.
    probes: scenario === 'bundles' && !process.env['BENCH_PROBES'] ? 0 : positiveEnv('BENCH_PROBES', 20),
    bundleSize: positiveEnv('BENCH_BUNDLE_SIZE', 500),
    bundleSenders: positiveEnv('BENCH_BUNDLE_SENDERS', 4),
  };
}

function loadDescription(config: BenchConfig): string {
  switch (config.scenario) {
    case 'observations':
      return `${config.rate} Observations/s`;
    case 'streams':
      return `${config.rate} chunks of ${STREAM_SAMPLES} samples/s`;
    case 'bundles':
      return config.rate > 0
        ? `batch Bundles of ${config.bundleSize} Observations at ${config.rate} measurements/s (up to ${config.bundleSenders} senders)`
        : `${config.bundleSenders} senders of batch Bundles of ${config.bundleSize} Observations, back to back`;
    default: {
      const _exhaustive: never = config.scenario;
      return _exhaustive;
    }
  }
}

/** The figures of a k6 summary written by `bundle-ingest.js`. */
function readBundles(summary: K6Summary, config: BenchConfig): BundleFigures {
  const { value, runSeconds, latencyMs } = summaryFigures(summary);
  const bundles = value('bundles_ok', 'count');
  const measurements = value('bundle_entries_ok', 'count');
  return {
    senders: config.bundleSenders,
    bundleSize: config.bundleSize,
    targetMeasurementsPerSecond: config.rate,
    droppedBundles: value('dropped_iterations', 'count'),
    bundles,
    bundlesPerSecond: round1(bundles / runSeconds),
    measurements,
    measurementsPerSecond: Math.round(measurements / runSeconds),
    failedBundles: value('http_reqs', 'count') - bundles,
    runSeconds: round1(runSeconds),
    latencyMs,
  };
}

function table(result: BenchResult): string {
  const { ingest, ingestToWorklist: probe, memory, cpu } = result;
  const ms = (l: { p50: number; p95: number; p99: number }): string => `p50 ${l.p50} ms · p95 ${l.p95} ms · p99 ${l.p99} ms`;
  const mib = (m: MemoryFigure): string => `RSS ${m.rssMb} MiB · PSS ${m.pssMb} MiB`;
  const throughput: Array<[string, string]> =
    'bundleSize' in ingest
      ? [
          ['batch ingest throughput', `${ingest.measurementsPerSecond} measurements/s in ${ingest.bundlesPerSecond} Bundles/s of ${ingest.bundleSize} (${ingest.targetMeasurementsPerSecond > 0 ? `${ingest.targetMeasurementsPerSecond}/s target, ${ingest.droppedBundles} dropped, ` : ''}${ingest.senders} senders, ${ingest.bundles} Bundles ok, ${ingest.failedBundles} failed)`],
          ['Bundle latency', ms(ingest.latencyMs)],
        ]
      : [
          ['ingest throughput', `${ingest.achievedRate}/s of ${ingest.targetRate}/s target (${ingest.succeeded}/${ingest.requests} ok, ${ingest.droppedIterations} dropped)`],
          ...(result.config.scenario === 'streams' ? [['stream samples', `${Math.round(ingest.achievedRate * STREAM_SAMPLES)} samples/s in ${ingest.achievedRate} chunks/s of ${STREAM_SAMPLES}`] as [string, string]] : []),
          ['ingest latency', ms(ingest.latencyMs)],
        ];
  const rows: Array<[string, string]> = [
    ['mode', `${result.config.mode}, ${result.machine.cpus} CPUs, ${result.machine.memoryGb} GB`],
    ...throughput,
    ...(probe
      ? [
          ['ingest → worklist', `${ms(probe.latencyMs)} (${probe.completed}/${probe.probes} seen red, ${probe.timedOut} timed out, ${probe.failed} failed)`] as [string, string],
          ['probe POST', ms(probe.postMs)] as [string, string],
          ['worklist read', ms(probe.readMs)] as [string, string],
        ]
      : []),
    ['measurements relay delay', pipelineRow(result.pipeline.measurementsRelay)],
    ['triage delivery', pipelineRow(result.pipeline.triageDelivery)],
    ...(result.endToEnd ? [['load → all triaged', endToEndRow(result.endToEnd)] as [string, string]] : []),
    ...Object.entries(memory.servicesPeak).map(([service, m]): [string, string] => [`peak memory ${service}`, mib(m)]),
    ['peak memory services total', mib(memory.servicesTotalPeak)],
    ...Object.entries(memory.infrastructurePeak).map(([group, m]): [string, string] => [`peak memory ${group}`, mib(m)]),
    ['CPU (% of one core)', Object.entries(cpu.percentOfOneCore).map(([group, p]) => `${group} ${p}`).join(' · ')],
    ['CPU outside the bench', `${cpu.outsideBenchPercentOfOneCore} % of one core (machine busy ${cpu.machineBusyPercentOfOneCore} % of ${result.machine.cpus * 100} %)`],
  ];
  return labelledRows(rows);
}

/** One table row of the end-to-end figures. */
function endToEndRow(e: EndToEndFigures): string {
  const until = e.drained ? `triage had handled all ${e.measurements} measurements ${e.drainSeconds} s after the load ended` : `triage had handled only ${e.measurements} when BENCH_DRAIN_TIMEOUT ran out, ${e.drainSeconds} s after the load`;
  return `${e.measurementsPerSecond} measurements/s sustained (${until}) · ${e.cpuMsPerMeasurement} ms CPU per measurement (platform, whole time)`;
}

runBenchmark(main);
