import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { startPlatform, type RunningPlatform } from '../../deploy/local/platform';
import { K6_VERSION } from './k6';
import { syntheticNationalId } from './synthetic-national-id';
import type { BenchPatient } from './worklist-probe';

// What the benchmarks (`npm run bench`, `bench:store-size`, `bench:triage`, `bench:triage-catchup`) share: starting
// and stopping the platform, process lifecycle, enrolment of the patient pool, running a k6 scenario and reading
// its summary, and the description of the machine.

const ENROL_CONCURRENCY = 8;

/** What one k6 ingest run achieved: the `ingest` figures of every benchmark result. */
export type IngestFigures = Readonly<{
  targetRate: number;
  /** Observations answered 201 per second of the k6 run. */
  achievedRate: number;
  requests: number;
  succeeded: number;
  failed: number;
  /** Arrivals k6 could not start because every VU was busy: the platform fell behind the target rate. */
  droppedIterations: number;
  runSeconds: number;
  /** http_req_duration of the 2xx answers. */
  latencyMs: Readonly<{ p50: number; p95: number; p99: number; max: number }>;
}>;

/** The machine a benchmark ran on, and how busy it was before the run. */
export type MachineInfo = Readonly<{ cpus: number; cpuModel: string; memoryGb: number; kernel: string; node: string; k6: string; loadAverageAtStart: number }>;

const cleanups: Array<() => Promise<unknown>> = [];

/** Progress goes to stderr, so stdout carries only the result line and the table. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Registers something to stop when the benchmark ends, fails or is interrupted (last registered, first stopped). */
export function onShutdown(cleanup: () => Promise<unknown>): () => void {
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

/**
 * Starts the whole platform for a benchmark on its own data folder and ports, from empty stores (the folder's
 * PostgreSQL, Kafka and log folders are deleted first, so runs compare), and stops it when the benchmark ends.
 */
export async function startBenchPlatform(dataDir: string, options: Readonly<{ kafka: boolean; portOffset: number }>): Promise<RunningPlatform> {
  await Promise.all(['pg', 'kafka', 'logs'].map((dir) => rm(join(dataDir, dir), { recursive: true, force: true })));
  await mkdir(dataDir, { recursive: true });
  log(`starting the platform (${options.kafka ? 'kafka' : 'embedded'}) in ${dataDir} …`);
  const starting = startPlatform({ kafka: options.kafka, dataDir, portOffset: options.portOffset, log });
  // Registered before start-up finishes, so a Ctrl-C during the (long) start still stops what started.
  onShutdown(() => starting.then((platform) => platform.stop()));
  const platform = await starting;
  log(`platform ready at ${platform.baseUrl}`);
  return platform;
}

/** Runs a benchmark's `main`, then stops everything registered with {@link onShutdown}, also on failure or Ctrl-C. */
export function runBenchmark(main: () => Promise<void>): void {
  process.on('SIGINT', () => void shutdown(130));
  process.on('SIGTERM', () => void shutdown(143));
  main().then(
    () => shutdown(0),
    (error: unknown) => {
      log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return shutdown(1);
    },
  );
}

// A second failure or signal while stopping waits for the same cleanup: exiting early would leave the
// platform (embedded PostgreSQL included) running.
let stopped: Promise<void> | undefined;

async function shutdown(code: number): Promise<never> {
  stopped ??= (async () => {
    if (cleanups.length > 0) log('stopping the platform …');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`stop: ${String(error)}`));
  })();
  await stopped;
  process.exit(code);
}

/** A positive whole number from the environment variable `name`, or `fallback` when unset. */
export function positiveEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, not "${raw}"`);
  return value;
}

/** Seconds of a duration written `30s`, `2m` or `45`; `variable` names it in the error. */
export function parseDuration(raw: string, variable = 'BENCH_DURATION'): number {
  const match = /^(\d+)(s|m)?$/.exec(raw.trim());
  if (!match || Number(match[1]) === 0) throw new Error(`${variable} must look like 30s, 2m or 45, not "${raw}"`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

/** The machine, with the 1-minute load average now: other work on the machine skews every figure. */
export function machineInfo(): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    k6: K6_VERSION,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Enrols `count` synthetic patients on the COPD pathway through the router and mints each a token. */
export async function enrolPatients(platform: RunningPlatform, clinicianToken: string, count: number, keysDir: string): Promise<BenchPatient[]> {
  log(`enrolling ${count} patients …`);
  const started = Date.now();
  const patients: BenchPatient[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const response = await fetch(`${platform.baseUrl}/api/enrolments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clinicianToken}` },
        body: JSON.stringify({ patient: { nationalId: syntheticNationalId(index) }, pathway: 'copd' }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (response.status !== 201 && response.status !== 200) throw new Error(`POST /api/enrolments answered ${response.status}: ${text.slice(0, 300)}`);
      const { patientId } = JSON.parse(text) as { patientId: string };
      patients[index] = { patientId, token: await mintDevToken({ role: 'patient', patientId, issuer: platform.issuer, keysDir, ttlSeconds: 4 * 3600 }) };
    }
  };
  await Promise.all(Array.from({ length: ENROL_CONCURRENCY }, worker));
  log(`enrolled ${count} patients in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return patients;
}

/** Runs a k6 script of this folder (default the Observation ingest); resolves when k6 finished, whether or not its reporting thresholds held. */
export function runK6(binary: string, env: Readonly<Record<string, string>>, scriptName = 'observation-ingest.js'): Promise<void> {
  const script = join(__dirname, scriptName);
  const child: ChildProcess = spawn(binary, ['run', '--quiet', '--no-color', '--no-usage-report', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forget = onShutdown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  const relay = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') log(`[k6] ${line}`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      forget();
      // 99 = thresholds crossed: they are for reporting only, the run itself completed.
      if (code === 0 || code === 99) done();
      else fail(new Error(`k6 exited with ${code}`));
    });
  });
}

type K6Metric = { values: Record<string, number> };
/** The part of k6's end-of-test summary JSON (`handleSummary`) the benchmarks read. */
export type K6Summary = { metrics: Record<string, K6Metric | undefined>; state: { testRunDurationMs: number } };

/** A k6 summary's figures: a metric's statistic (0 when absent), the run's length, and the latency of the 2xx answers. */
export function summaryFigures(summary: K6Summary) {
  const value = (metric: string, stat: string): number => summary.metrics[metric]?.values[stat] ?? 0;
  const latency = 'http_req_duration{expected_response:true}';
  return {
    value,
    runSeconds: summary.state.testRunDurationMs / 1000,
    latencyMs: { p50: round1(value(latency, 'med')), p95: round1(value(latency, 'p(95)')), p99: round1(value(latency, 'p(99)')), max: round1(value(latency, 'max')) },
  };
}

/** Rounded to one decimal, as the reports show figures. */
export const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The ingest figures of a k6 summary written by `observation-ingest.js`. */
export function readIngest(summary: K6Summary, targetRate: number): IngestFigures {
  const { value, runSeconds, latencyMs } = summaryFigures(summary);
  const requests = value('http_reqs', 'count');
  const succeeded = value('ingest_ok', 'count');
  return {
    targetRate,
    achievedRate: round1(succeeded / runSeconds),
    requests,
    succeeded,
    failed: requests - succeeded,
    droppedIterations: value('dropped_iterations', 'count'),
    runSeconds: round1(runSeconds),
    latencyMs,
  };
}

/** Aligns `label  value` rows into a plain-text table. */
export function labelledRows(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return `${rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}
