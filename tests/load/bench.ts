/**
 * `npm run bench`: starts the whole platform (Kafka mode unless `--embedded`) on its own data folder and
 * ports, enrols a pool of patients, drives Observation ingest with k6 at a fixed arrival rate while probing
 * ingest → worklist latency and sampling memory, then prints one `BENCH_RESULT {json}` line and a table.
 * Tuning: BENCH_RATE (requests/s, default 300), BENCH_DURATION (default 30s), BENCH_PATIENTS (default 200),
 * BENCH_PROBES (default 20). `--scenario streams` drives stream chunks instead (tests/load/stream-ingest.js: each
 * patient posts a 60-sample 1 Hz chunk every 60 s, so the rate defaults to BENCH_PATIENTS / 60 chunks/s).
 * See docs/operations/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { startPlatform } from '../../deploy/local/platform';
import {
  enrolPatients,
  labelledRows,
  log,
  machineInfo,
  onShutdown,
  parseDuration,
  positiveEnv,
  readIngest,
  runBenchmark,
  runK6,
  type IngestFigures,
  type K6Summary,
  type MachineInfo,
} from './bench-harness';
import { ensureK6 } from './k6';
import { startProcessSampler, type CpuReport, type MemoryFigure, type MemoryReport } from './process-sampler';
import { runWorklistProbes, type ProbeReport } from './worklist-probe';

const repoRoot = resolve(__dirname, '..', '..');
const dataDir = join(repoRoot, '.data', 'bench');
// Far from the developer platform's ports (8080, 5433, 19092, …) so both can run at once.
const PORT_OFFSET = 300;

type BenchConfig = Readonly<{ mode: 'kafka' | 'embedded'; scenario: 'observations' | 'streams'; rate: number; durationSeconds: number; patients: number; probes: number }>;

/** Samples per chunk of the streams scenario: one minute at 1 Hz. */
const STREAM_SAMPLES = 60;

/** Everything one run measured; the shape of `BENCH_RESULT` and `.data/bench/result.json`. */
type BenchResult = Readonly<{
  startedAt: string;
  config: BenchConfig;
  machine: MachineInfo;
  ingest: IngestFigures;
  ingestToWorklist: ProbeReport;
  memory: MemoryReport;
  cpu: CpuReport;
}>;

async function main(): Promise<void> {
  const config = readConfig();
  const k6 = await ensureK6();
  // Each run starts from empty stores so runs compare, and probe patients cannot already be red.
  await Promise.all(['pg', 'kafka', 'logs'].map((dir) => rm(join(dataDir, dir), { recursive: true, force: true })));
  await mkdir(dataDir, { recursive: true });

  const startedAt = new Date().toISOString();
  // Other work on the machine skews every figure; the 1-minute load average before start shows it.
  const machine = machineInfo();
  log(`starting the platform (${config.mode}) in ${dataDir} …`);
  const starting = startPlatform({ kafka: config.mode === 'kafka', dataDir, portOffset: PORT_OFFSET, log });
  // Registered before start-up finishes, so a Ctrl-C during the (long) start still stops what started.
  onShutdown(() => starting.then((platform) => platform.stop()));
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
  log(`k6: ${config.rate} ${config.scenario === 'streams' ? `chunks of ${STREAM_SAMPLES} samples` : 'Observations'}/s for ${config.durationSeconds} s over ${pool.length} patients …`);
  const k6Run = runK6(k6, {
    BASE_URL: platform.baseUrl,
    PATIENTS_FILE: patientsFile,
    RATE: String(config.rate),
    DURATION: `${config.durationSeconds}s`,
    SUMMARY_FILE: summaryFile,
    RUN_ID: runId,
    SAMPLES: String(STREAM_SAMPLES),
  }, config.scenario === 'streams' ? 'stream-ingest.js' : undefined);
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
    machine,
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
  const scenario = process.argv[process.argv.indexOf('--scenario') + 1] === 'streams' ? 'streams' : 'observations';
  const patients = positiveEnv('BENCH_PATIENTS', 200);
  return {
    mode: process.argv.includes('--embedded') ? 'embedded' : 'kafka',
    scenario,
    rate: positiveEnv('BENCH_RATE', scenario === 'streams' ? Math.ceil(patients / STREAM_SAMPLES) : 300),
    durationSeconds: parseDuration(process.env['BENCH_DURATION'] ?? '30s'),
    patients,
    probes: positiveEnv('BENCH_PROBES', 20),
  };
}

function table(result: BenchResult): string {
  const { ingest, ingestToWorklist: probe, memory, cpu } = result;
  const ms = (l: { p50: number; p95: number; p99: number }): string => `p50 ${l.p50} ms · p95 ${l.p95} ms · p99 ${l.p99} ms`;
  const mib = (m: MemoryFigure): string => `RSS ${m.rssMb} MiB · PSS ${m.pssMb} MiB`;
  const rows: Array<[string, string]> = [
    ['mode', `${result.config.mode}, ${result.machine.cpus} CPUs, ${result.machine.memoryGb} GB`],
    ['ingest throughput', `${ingest.achievedRate}/s of ${ingest.targetRate}/s target (${ingest.succeeded}/${ingest.requests} ok, ${ingest.droppedIterations} dropped)`],
    ...(result.config.scenario === 'streams' ? [['stream samples', `${Math.round(ingest.achievedRate * STREAM_SAMPLES)} samples/s in ${ingest.achievedRate} chunks/s of ${STREAM_SAMPLES}`] as [string, string]] : []),
    ['ingest latency', ms(ingest.latencyMs)],
    ['ingest → worklist', `${ms(probe.latencyMs)} (${probe.completed}/${probe.probes} seen red, ${probe.timedOut} timed out, ${probe.failed} failed)`],
    ['worklist read', ms(probe.readMs)],
    ...Object.entries(memory.servicesPeak).map(([service, m]): [string, string] => [`peak memory ${service}`, mib(m)]),
    ['peak memory services total', mib(memory.servicesTotalPeak)],
    ...Object.entries(memory.infrastructurePeak).map(([group, m]): [string, string] => [`peak memory ${group}`, mib(m)]),
    ['CPU (% of one core)', Object.entries(cpu.percentOfOneCore).map(([group, p]) => `${group} ${p}`).join(' · ')],
    ['CPU outside the bench', `${cpu.outsideBenchPercentOfOneCore} % of one core (machine busy ${cpu.machineBusyPercentOfOneCore} % of ${result.machine.cpus * 100} %)`],
  ];
  return labelledRows(rows);
}

runBenchmark(main);
