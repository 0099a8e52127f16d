/** The event chains of every service's log (ADR 0008), as `npm run audit:check` and `npm run audit:verify` walk them. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEventChain, type ChainReport, type SignedCheckpoint } from '@varde/event-sourcing';
import { createPool, schemaConnectionString } from '@varde/database';
import type pg from 'pg';
import { loadPlatformConfig, SERVICE_PORTS, type ServiceName } from '@varde/platform';
import { UsageError } from '../cli';

/** Every service with an event log. */
export const SERVICES = Object.keys(SERVICE_PORTS) as ServiceName[];
const repoRoot = join(__dirname, '..', '..');
const DEV_PUBLIC_KEY = join(repoRoot, '.data', 'audit', 'event-chain-signing-key.pub.pem');

/** The services named on the command line (all when none), or a UsageError naming the unknown ones. */
export function servicesOf(named: readonly string[] | undefined): ServiceName[] {
  const services = named ?? [...SERVICES];
  const unknown = services.filter((s) => !(SERVICES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown service ${unknown.join(', ')}: expected ${SERVICES.join(', ')}`);
  return services as ServiceName[];
}

/** The public keys checkpoints must be signed by: the files given, else the development key when present. */
export function trustedKeysOf(files: readonly string[] | undefined): string[] {
  return (files ?? (existsSync(DEV_PUBLIC_KEY) ? [DEV_PUBLIC_KEY] : [])).map((file) => readFileSync(file, 'utf8'));
}

/** Where a service keeps its log: its own settings (DATABASE_URL, DB_SCHEMA), the embedded PostgreSQL by default. */
export const databaseOf = (service: ServiceName) => loadPlatformConfig(service).database;

/** Runs `work` with a small pool on a service's schema. */
export async function withPool<T>(databaseUrl: string, schema: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 2 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Walks each service's log beside its chain (read-only), reporting progress on stderr. */
export async function checkChains(services: readonly ServiceName[], options: Readonly<{ trustedKeys: readonly string[]; checkpoints: readonly SignedCheckpoint[] }>): Promise<ChainReport[]> {
  const reports: ChainReport[] = [];
  for (const service of services) {
    const progress = (checked: number): void => void process.stderr.write(`\r${service}: ${checked.toLocaleString('en')} events checked`);
    const { url, schema } = databaseOf(service);
    const checkpoints = options.checkpoints.filter((c) => c.schema === schema);
    reports.push(await withPool(url, schema, (pool) => checkEventChain(pool, schema, { trustedKeys: options.trustedKeys.length ? options.trustedKeys : undefined, externalCheckpoints: checkpoints, onProgress: progress })));
    process.stderr.write('\n');
  }
  return reports;
}

/** The readable lines of chain reports: one per log, and one per problem found. */
export function chainSummary(reports: readonly ChainReport[]): string[] {
  return reports.flatMap((r) => [
    `${r.ok ? 'intact  ' : 'BROKEN  '} ${r.schema.padEnd(13)} ${r.checked} events checked, sealed to ${r.sealedSeq}, ${r.unsealed} not yet sealed, ${r.checkpoints.verified} of ${r.checkpoints.total} checkpoints verified`,
    ...r.problems.map((p) => `          ${p.kind.padEnd(20)} ${p.detail}`),
  ]);
}
