/**
 * `npm run bench:store-size`: the cost of ingesting one measurement as the measurements store grows (issue #3,
 * Speed: "it must stay flat"). Starts the platform in embedded mode on its own data folder and ports, enrols a
 * pool of patients, then for each store size (default 10 k → 100 k → 1 M → 10 M measurements) grows the store
 * in bulk with SQL cloned from real rows (tests/load/store-size-seeder.ts), and drives real ingest through the
 * public API with k6 at a fixed rate. Prints one `STORE_SIZE_RESULT {json}` line and a table of cost per
 * measurement against store size. Tuning: STORE_SIZE_STEPS, STORE_SIZE_RATE, STORE_SIZE_DURATION, … (see
 * docs/operations/benchmarks.md).
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { type RunningPlatform } from '../../deploy/local/platform';
import {
  enrolPatients,
  log,
  machineInfo,
  onShutdown,
  parseDuration,
  positiveEnv,
  readIngest,
  runBenchmark,
  runK6,
  startBenchPlatform,
  type IngestFigures,
  type K6Summary,
  type MachineInfo,
} from './bench-harness';
import { ensureK6 } from './k6';
import { startProcessSampler, type CpuReport } from './process-sampler';
import {
  addRelayIndex,
  countMeasurements,
  MEASUREMENT_TABLES,
  relayBacklog,
  settle,
  StoreSeeder,
  tableScans,
  tableSizes,
  type MeasurementTable,
  type TableScans,
  type TableSize,
} from './store-size-seeder';
import type { BenchPatient } from './worklist-probe';

const repoRoot = resolve(__dirname, '..', '..');
const dataDir = join(repoRoot, '.data', 'bench-store-size');
// Beside a developer's platform (offset 0) and `npm run bench` (300).
const PORT_OFFSET = 400;
// Left free on the disk after seeding, whatever the estimate says.
const DISK_RESERVE_BYTES = 10 * 2 ** 30;
const RELAY_DRAIN_TIMEOUT_MS = 60_000;

type StoreSizeConfig = Readonly<{
  steps: readonly number[];
  rate: number;
  durationSeconds: number;
  warmupSeconds: number;
  patients: number;
  population: number;
  batchSize: number;
  maxSeedMinutes: number;
  /** Experiment: give the relay's poll an index before measuring (the fix recommended in docs/operations/benchmarks.md). */
  relayIndex: boolean;
}>;

/** One store size and what ingest cost there. */
type StepResult = Readonly<{
  targetSize: number;
  /** Measurements in the store when the measured run started. */
  storeSize: number;
  seeding: Readonly<{ added: number; seconds: number; perSecond: number }>;
  /** 1-minute load average just before the measured run: other work on the two cores skews the figures. */
  loadAverage: number;
  ingest: IngestFigures;
  /** CPU time per measurement ingested during the run, by process group; `total` is everything the bench started but k6. */
  cpuMsPerMeasurement: Readonly<Record<string, number>>;
  cpu: CpuReport;
  measurementsPeakRssMb: number;
  postgresPeakPssMb: number;
  tables: Readonly<Record<MeasurementTable, TableSize>>;
  /** Table scans during the run per measurement ingested: rows read by sequential scans are the ones that grow with the store. */
  scansPerMeasurement: Readonly<Record<MeasurementTable, Readonly<{ seqScans: number; seqRowsRead: number; indexScans: number }>>>;
  /** Events of the run not yet published by the relay when k6 stopped, and how long publishing them took. */
  relay: Readonly<{ backlogAtEnd: number; drainSeconds: number | null }>;
}>;

/** The shape of `STORE_SIZE_RESULT` and `.data/bench-store-size/result.json`. */
type StoreSizeResult = Readonly<{
  startedAt: string;
  config: StoreSizeConfig;
  machine: MachineInfo;
  steps: StepResult[];
  /** Store sizes not reached, and why (disk or time). */
  skipped: Array<Readonly<{ targetSize: number; reason: string }>>;
}>;

async function main(): Promise<void> {
  const config = readConfig();
  const k6 = await ensureK6();
  const result: StoreSizeResult = { startedAt: new Date().toISOString(), config, machine: machineInfo(), steps: [], skipped: [] };
  const platform = await startBenchPlatform(dataDir, { kafka: false, portOffset: PORT_OFFSET });
  const pool = new pg.Pool({ connectionString: platform.databaseUrl, max: 2 });
  // An idle connection closed by PostgreSQL stopping must not crash the process before the cleanup ran.
  pool.on('error', (error) => log(`database: ${error.message}`));
  onShutdown(() => pool.end());

  const keysDir = join(dataDir, 'dev-issuer');
  const clinicianToken = await mintDevToken({ role: 'clinician', issuer: platform.issuer, keysDir });
  const patients = await enrolPatients(platform, clinicianToken, config.patients, keysDir);
  const patientsFile = join(dataDir, 'k6-patients.json');
  await writeFile(patientsFile, JSON.stringify(patients));
  const load = (durationSeconds: number, summaryFile: string): Promise<void> =>
    runK6(k6, { BASE_URL: platform.baseUrl, PATIENTS_FILE: patientsFile, RATE: String(config.rate), DURATION: `${durationSeconds}s`, SUMMARY_FILE: summaryFile, RUN_ID: randomUUID() });

  // Real measurements through the API first: the seeding template, and a warm service.
  log(`warm-up: ${config.rate} Observations/s for ${config.warmupSeconds} s …`);
  await load(config.warmupSeconds, join(dataDir, 'k6-warmup.json'));
  await StoreSeeder.assertKnowsEveryTable(pool);
  if (config.relayIndex) {
    log('experiment: adding an index on emt_messages (transaction_id, global_position) for the relay poll …');
    await addRelayIndex(pool);
  }
  const template = await StoreSeeder.findTemplate(pool);
  const seeder = new StoreSeeder(pool, template.measurementId, `seed-${randomUUID().slice(0, 8)}`, new Date(template.effectiveTime.getTime() - 86_400_000));
  const population = seedPopulation(patients, config.population);

  let seedRate: number | undefined;
  for (const targetSize of config.steps) {
    const current = await countMeasurements(pool);
    const add = Math.max(0, targetSize - current);
    const refusal = add > 0 ? await refuseToSeed(add, seedRate, config, result.steps.at(-1)) : undefined;
    if (refusal) {
      log(`skipping ${targetSize} measurements: ${refusal}`);
      result.skipped.push({ targetSize, reason: refusal });
      continue;
    }
    const seeding = add > 0 ? await grow(platform, pool, seeder, add, population, config) : { added: 0, seconds: 0, perSecond: 0 };
    if (add > 0) {
      seedRate = seeding.perSecond;
      log(`warm-up after restart: ${config.warmupSeconds} s …`);
      await load(config.warmupSeconds, join(dataDir, 'k6-warmup.json'));
    }
    const step = await measure(pool, config, targetSize, seeding, (summaryFile) => load(config.durationSeconds, summaryFile));
    result.steps.push(step);
    log(`${targetSize}: ${formatStep(step, result.steps[0])}`);
    await writeFile(join(dataDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  }

  process.stdout.write(`STORE_SIZE_RESULT ${JSON.stringify(result)}\n`);
  process.stdout.write(table(result));
}

function readConfig(): StoreSizeConfig {
  const rawSteps = process.env['STORE_SIZE_STEPS'] ?? '10000,100000,1000000,10000000';
  const steps = rawSteps.split(',').map((s) => Number(s.trim()));
  if (steps.some((s) => !Number.isInteger(s) || s <= 0) || steps.some((s, i) => i > 0 && s <= steps[i - 1]!)) {
    throw new Error(`STORE_SIZE_STEPS must be increasing positive whole numbers separated by commas, not "${rawSteps}"`);
  }
  return {
    steps,
    rate: positiveEnv('STORE_SIZE_RATE', 50),
    durationSeconds: parseDuration(process.env['STORE_SIZE_DURATION'] ?? '25s', 'STORE_SIZE_DURATION'),
    warmupSeconds: parseDuration(process.env['STORE_SIZE_WARMUP'] ?? '5s', 'STORE_SIZE_WARMUP'),
    patients: positiveEnv('STORE_SIZE_PATIENTS', 200),
    population: positiveEnv('STORE_SIZE_POPULATION', 10_000),
    batchSize: positiveEnv('STORE_SIZE_BATCH', 50_000),
    maxSeedMinutes: positiveEnv('STORE_SIZE_MAX_SEED_MINUTES', 60),
    relayIndex: process.env['STORE_SIZE_RELAY_INDEX'] === '1',
  };
}

/** The patients seeded measurements belong to: the load's pool, then made-up ids up to `size` (a trust's population). */
function seedPopulation(pool: readonly BenchPatient[], size: number): string[] {
  const ids = pool.map((p) => p.patientId);
  while (ids.length < size) ids.push(randomUUID());
  return ids;
}

/** Why `add` more measurements should not be seeded on this machine, if so: the disk would fill, or it would take too long. */
async function refuseToSeed(add: number, seedRate: number | undefined, config: StoreSizeConfig, last: StepResult | undefined): Promise<string | undefined> {
  const bytesPerMeasurement = last && last.storeSize > 0 ? (Object.values(last.tables).reduce((sum, t) => sum + t.tableMb + t.indexesMb, 0) * 2 ** 20) / last.storeSize : 4096;
  // Twice the table growth: the WAL the inserts write before checkpoints recycle it.
  const needed = add * bytesPerMeasurement * 2;
  const disk = await statfs(dataDir);
  const free = disk.bavail * disk.bsize;
  if (needed > free - DISK_RESERVE_BYTES) return `needs about ${gb(needed)} GB of disk, ${gb(free)} GB free (keeping ${gb(DISK_RESERVE_BYTES)} GB)`;
  if (seedRate && add / seedRate / 60 > config.maxSeedMinutes) {
    return `seeding would take about ${Math.round(add / seedRate / 60)} min at ${Math.round(seedRate)} measurements/s (STORE_SIZE_MAX_SEED_MINUTES=${config.maxSeedMinutes})`;
  }
  return undefined;
}

/**
 * Adds `add` measurements with the measurements service stopped (so its relay can be told they were
 * published long ago), settles the tables as autovacuum would have, and starts the service again.
 */
async function grow(platform: RunningPlatform, pool: pg.Pool, seeder: StoreSeeder, add: number, population: readonly string[], config: StoreSizeConfig): Promise<StepResult['seeding']> {
  log(`seeding ${add} measurements (service stopped) …`);
  await platform.stopService('measurements');
  let reported = 0;
  const started = Date.now();
  await seeder.seed({
    count: add,
    batchSize: config.batchSize,
    patientIds: population,
    onProgress: (written) => {
      if (written - reported >= Math.max(add / 10, config.batchSize)) {
        reported = written;
        log(`  ${written}/${add} (${Math.round(written / ((Date.now() - started) / 1000))}/s)`);
      }
    },
  });
  const seededMs = Date.now() - started;
  await seeder.markRelayed();
  log('VACUUM (ANALYZE) and CHECKPOINT …');
  await settle(pool);
  const seconds = (Date.now() - started) / 1000;
  log(`seeded ${add} in ${seconds.toFixed(0)} s (${(seededMs / 1000).toFixed(0)} s inserting); restarting measurements …`);
  await platform.startService('measurements');
  return { added: add, seconds: Math.round(seconds), perSecond: Math.round(add / seconds) };
}

/** One measured run at the current store size. */
async function measure(pool: pg.Pool, config: StoreSizeConfig, targetSize: number, seeding: StepResult['seeding'], run: (summaryFile: string) => Promise<void>): Promise<StepResult> {
  const storeSize = await countMeasurements(pool);
  const summaryFile = join(dataDir, `k6-summary-${targetSize}.json`);
  await rm(summaryFile, { force: true });
  const loadAverage = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  log(`measuring at ${storeSize} measurements: ${config.rate}/s for ${config.durationSeconds} s (load average ${loadAverage}) …`);
  const scansBefore = await tableScans(pool);
  const sampler = startProcessSampler(process.pid, 500);
  await run(summaryFile);
  const { memory, cpu } = sampler.stop();
  const runEnded = Date.now();
  const scansAfter = await tableScans(pool);
  const ingest = readIngest(JSON.parse(await readFile(summaryFile, 'utf8')) as K6Summary, config.rate);
  const backlogAtEnd = await relayBacklog(pool);
  let drainSeconds: number | null = null;
  while (Date.now() - runEnded < RELAY_DRAIN_TIMEOUT_MS) {
    if ((await relayBacklog(pool)) === 0) {
      drainSeconds = Math.round((Date.now() - runEnded) / 100) / 10;
      break;
    }
    await sleep(500);
  }
  const perMeasurement = (value: number): number => (ingest.succeeded > 0 ? Math.round((value / ingest.succeeded) * 100) / 100 : 0);
  const cpuMs = (percent: number): number => perMeasurement((percent / 100) * cpu.windowSeconds * 1000);
  const groups = Object.entries(cpu.percentOfOneCore).filter(([group]) => group !== 'k6');
  const scanDelta = (table: MeasurementTable, field: keyof TableScans): number => perMeasurement(scansAfter[table][field] - scansBefore[table][field]);
  return {
    targetSize,
    storeSize,
    seeding,
    loadAverage,
    ingest,
    cpuMsPerMeasurement: {
      ...Object.fromEntries(groups.map(([group, percent]) => [group, cpuMs(percent)])),
      total: cpuMs(groups.reduce((sum, [, percent]) => sum + percent, 0)),
    },
    cpu,
    measurementsPeakRssMb: memory.servicesPeak['measurements']?.rssMb ?? 0,
    postgresPeakPssMb: memory.infrastructurePeak['postgres']?.pssMb ?? 0,
    tables: await tableSizes(pool),
    scansPerMeasurement: Object.fromEntries(
      MEASUREMENT_TABLES.map((table) => [table, { seqScans: scanDelta(table, 'seqScans'), seqRowsRead: scanDelta(table, 'seqRowsRead'), indexScans: scanDelta(table, 'indexScans') }]),
    ) as StepResult['scansPerMeasurement'],
    relay: { backlogAtEnd, drainSeconds },
  };
}

function formatStep(step: StepResult, first: StepResult | undefined): string {
  const total = step.cpuMsPerMeasurement['total'] ?? 0;
  const ratio = first ? total / (first.cpuMsPerMeasurement['total'] ?? total) : 1;
  const l = step.ingest.latencyMs;
  return `${step.ingest.achievedRate}/s, p50/p95/p99 ${l.p50}/${l.p95}/${l.p99} ms, CPU ${total} ms/measurement (×${ratio.toFixed(2)})`;
}

function table(result: StoreSizeResult): string {
  const first = result.steps[0];
  const header = [
    'store size',
    'achieved/s (dropped)',
    'p50 / p95 / p99 ms',
    'CPU ms/meas. measurements · postgres · triage · total',
    'total vs first',
    'seq rows read/meas. (emt_messages)',
    'tables + indexes MB',
    'measurements peak RSS MiB',
    'load avg',
  ];
  const rows = result.steps.map((step) => {
    const cpu = step.cpuMsPerMeasurement;
    const total = cpu['total'] ?? 0;
    const mb = Object.values(step.tables).reduce((sum, t) => sum + t.tableMb + t.indexesMb, 0);
    const l = step.ingest.latencyMs;
    return [
      step.storeSize.toLocaleString('en'),
      `${step.ingest.achievedRate} (${step.ingest.droppedIterations})`,
      `${l.p50} / ${l.p95} / ${l.p99}`,
      `${cpu['measurements'] ?? 0} · ${cpu['postgres'] ?? 0} · ${cpu['triage'] ?? 0} · ${total}`,
      first ? `×${(total / (first.cpuMsPerMeasurement['total'] ?? total)).toFixed(2)}` : '',
      step.scansPerMeasurement.emt_messages.seqRowsRead.toLocaleString('en'),
      mb.toLocaleString('en'),
      String(step.measurementsPeakRssMb),
      String(step.loadAverage),
    ];
  });
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  const skipped = result.skipped.map((s) => `not reached: ${s.targetSize.toLocaleString('en')} measurements (${s.reason})`);
  return `${[...lines, ...skipped].join('\n')}\n`;
}

function gb(bytes: number): number {
  return Math.round(bytes / 2 ** 30);
}

runBenchmark(main);
