/**
 * `npm run bench`: starts the whole platform (Kafka mode unless `--embedded`) on its own data folder and
 * ports, enrols a pool of patients, drives Observation ingest with k6 at a fixed arrival rate while probing
 * ingest → worklist latency and sampling memory, then prints one `BENCH_RESULT {json}` line and a table.
 * Tuning: BENCH_RATE (requests/s, default 300), BENCH_DURATION (default 30s), BENCH_PATIENTS (default 200),
 * BENCH_PROBES (default 20). See docs/operations/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { startPlatform, type RunningPlatform } from '../../deploy/local/platform';
import { ensureK6, K6_VERSION } from './k6';
import { startProcessSampler, type CpuReport, type MemoryFigure, type MemoryReport } from './process-sampler';
import { syntheticNationalId } from './synthetic-national-id';
import { runWorklistProbes, type BenchPatient, type ProbeReport } from './worklist-probe';

const repoRoot = resolve(__dirname, '..', '..');
const dataDir = join(repoRoot, '.data', 'bench');
// Far from the developer platform's ports (8080, 5433, 19092, …) so both can run at once.
const PORT_OFFSET = 300;
const ENROL_CONCURRENCY = 8;

type BenchConfig = Readonly<{ mode: 'kafka' | 'embedded'; rate: number; durationSeconds: number; patients: number; probes: number }>;

/** Everything one run measured; the shape of `BENCH_RESULT` and `.data/bench/result.json`. */
type BenchResult = Readonly<{
  startedAt: string;
  config: BenchConfig;
  machine: Readonly<{ cpus: number; cpuModel: string; memoryGb: number; kernel: string; node: string; k6: string; loadAverageAtStart: number }>;
  ingest: Readonly<{
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
  ingestToWorklist: ProbeReport;
  memory: MemoryReport;
  cpu: CpuReport;
}>;

const cleanups: Array<() => Promise<unknown>> = [];
let stopping = false;

async function main(): Promise<void> {
  const config = readConfig();
  const k6 = await ensureK6();
  // Each run starts from empty stores so runs compare, and probe patients cannot already be red.
  await Promise.all(['pg', 'kafka', 'logs'].map((dir) => rm(join(dataDir, dir), { recursive: true, force: true })));
  await mkdir(dataDir, { recursive: true });

  const startedAt = new Date().toISOString();
  // Other work on the machine skews every figure; the 1-minute load average before start shows it.
  const loadAverageAtStart = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  log(`starting the platform (${config.mode}) in ${dataDir} …`);
  const starting = startPlatform({ kafka: config.mode === 'kafka', dataDir, portOffset: PORT_OFFSET, log });
  // Registered before start-up finishes, so a Ctrl-C during the (long) start still stops what started.
  cleanups.push(() => starting.then((platform) => platform.stop()));
  const platform = await starting;
  log(`platform ready at ${platform.baseUrl}`);

  const keysDir = join(dataDir, 'dev-issuer');
  const clinicianToken = await mintDevToken({ role: 'clinician', issuer: platform.issuer, keysDir });
  const enrolled = await enrolPatients(platform, clinicianToken, config.patients + config.probes, keysDir);
  const pool = enrolled.slice(0, config.patients);
  const probePatients = enrolled.slice(config.patients);
  const patientsFile = join(dataDir, 'k6-patients.json');
  await writeFile(patientsFile, JSON.stringify(pool));

  const sampler = startProcessSampler(process.pid, 500);
  const runId = randomUUID();
  const summaryFile = join(dataDir, 'k6-summary.json');
  await rm(summaryFile, { force: true });
  log(`k6: ${config.rate} Observations/s for ${config.durationSeconds} s over ${pool.length} patients …`);
  const k6Run = runK6(k6, {
    BASE_URL: platform.baseUrl,
    PATIENTS_FILE: patientsFile,
    RATE: String(config.rate),
    DURATION: `${config.durationSeconds}s`,
    SUMMARY_FILE: summaryFile,
    RUN_ID: runId,
  });
  // Probes start once the load has settled, so they measure latency under the target rate.
  await sleep(Math.min(5, config.durationSeconds / 3) * 1000);
  log(`probing ingest → worklist latency with ${probePatients.length} patients …`);
  const [ingestToWorklist, { memory, cpu }] = await Promise.all([
    runWorklistProbes({ baseUrl: platform.baseUrl, clinicianToken, patients: probePatients, spacingMs: 250, pollIntervalMs: 50, timeoutMs: 30_000, runId }),
    // Memory and CPU describe the load window; probes still waiting after it only drain the backlog.
    k6Run.then(() => sampler.stop()),
  ]);

  const result: BenchResult = {
    startedAt,
    config,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
      k6: K6_VERSION,
      loadAverageAtStart,
    },
    ingest: readIngest(JSON.parse(await readFile(summaryFile, 'utf8')) as K6Summary, config.rate),
    ingestToWorklist,
    memory,
    cpu,
  };
  await writeFile(join(dataDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  process.stdout.write(table(result));
}

function readConfig(): BenchConfig {
  const positive = (name: string, fallback: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, not "${raw}"`);
    return value;
  };
  return {
    mode: process.argv.includes('--embedded') ? 'embedded' : 'kafka',
    rate: positive('BENCH_RATE', 300),
    durationSeconds: parseDuration(process.env['BENCH_DURATION'] ?? '30s'),
    patients: positive('BENCH_PATIENTS', 200),
    probes: positive('BENCH_PROBES', 20),
  };
}

function parseDuration(raw: string): number {
  const match = /^(\d+)(s|m)?$/.exec(raw.trim());
  if (!match || Number(match[1]) === 0) throw new Error(`BENCH_DURATION must look like 30s, 2m or 45, not "${raw}"`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

/** Enrols `count` synthetic patients on the COPD pathway through the router and mints each a token. */
async function enrolPatients(platform: RunningPlatform, clinicianToken: string, count: number, keysDir: string): Promise<BenchPatient[]> {
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

/** Runs the k6 script; resolves when k6 finished, whether or not its reporting thresholds held. */
function runK6(binary: string, env: Readonly<Record<string, string>>): Promise<void> {
  const script = join(__dirname, 'observation-ingest.js');
  const child: ChildProcess = spawn(binary, ['run', '--quiet', '--no-color', '--no-usage-report', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  cleanups.push(kill);
  const relay = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') log(`[k6] ${line}`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      cleanups.splice(cleanups.indexOf(kill), 1);
      // 99 = thresholds crossed: they are for reporting only, the run itself completed.
      if (code === 0 || code === 99) done();
      else fail(new Error(`k6 exited with ${code}`));
    });
  });
}

type K6Metric = { values: Record<string, number> };
type K6Summary = { metrics: Record<string, K6Metric | undefined>; state: { testRunDurationMs: number } };

function readIngest(summary: K6Summary, targetRate: number): BenchResult['ingest'] {
  const value = (metric: string, stat: string): number => summary.metrics[metric]?.values[stat] ?? 0;
  const round = (n: number): number => Math.round(n * 10) / 10;
  const runSeconds = summary.state.testRunDurationMs / 1000;
  const requests = value('http_reqs', 'count');
  const succeeded = value('ingest_ok', 'count');
  const latency = 'http_req_duration{expected_response:true}';
  return {
    targetRate,
    achievedRate: round(succeeded / runSeconds),
    requests,
    succeeded,
    failed: requests - succeeded,
    droppedIterations: value('dropped_iterations', 'count'),
    runSeconds: round(runSeconds),
    latencyMs: { p50: round(value(latency, 'med')), p95: round(value(latency, 'p(95)')), p99: round(value(latency, 'p(99)')), max: round(value(latency, 'max')) },
  };
}

function table(result: BenchResult): string {
  const { ingest, ingestToWorklist: probe, memory, cpu } = result;
  const ms = (l: { p50: number; p95: number; p99: number }): string => `p50 ${l.p50} ms · p95 ${l.p95} ms · p99 ${l.p99} ms`;
  const mib = (m: MemoryFigure): string => `RSS ${m.rssMb} MiB · PSS ${m.pssMb} MiB`;
  const rows: Array<[string, string]> = [
    ['mode', `${result.config.mode}, ${result.machine.cpus} CPUs, ${result.machine.memoryGb} GB`],
    ['ingest throughput', `${ingest.achievedRate}/s of ${ingest.targetRate}/s target (${ingest.succeeded}/${ingest.requests} ok, ${ingest.droppedIterations} dropped)`],
    ['ingest latency', ms(ingest.latencyMs)],
    ['ingest → worklist', `${ms(probe.latencyMs)} (${probe.completed}/${probe.probes} seen red, ${probe.timedOut} timed out, ${probe.failed} failed)`],
    ['worklist read', ms(probe.readMs)],
    ...Object.entries(memory.servicesPeak).map(([service, m]): [string, string] => [`peak memory ${service}`, mib(m)]),
    ['peak memory services total', mib(memory.servicesTotalPeak)],
    ...Object.entries(memory.infrastructurePeak).map(([group, m]): [string, string] => [`peak memory ${group}`, mib(m)]),
    ['CPU (% of one core)', Object.entries(cpu.percentOfOneCore).map(([group, p]) => `${group} ${p}`).join(' · ')],
    ['CPU outside the bench', `${cpu.outsideBenchPercentOfOneCore} % of one core (machine busy ${cpu.machineBusyPercentOfOneCore} % of ${result.machine.cpus * 100} %)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return `${rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (cleanups.length > 0) log('stopping the platform …');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`stop: ${String(error)}`));
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
main().then(
  () => shutdown(0),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return shutdown(1);
  },
);
