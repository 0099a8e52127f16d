/**
 * `npm run migrate [-- --service <name>]`: brings each service's database schema (or one service's) to the latest
 * version without starting the service — what a Kubernetes Job runs before a rollout (the image's `dist/migrate.js`
 * calls {@link migrateService}). Uses the services' own settings (DATABASE_URL, DB_SCHEMA, BUS_SCHEMA,
 * KAFKA_BROKERS). Services also migrate at start-up, under their start-up lock, so running this first is optional locally.
 */
import { parseArgs } from 'node:util';
import { loadPlatformConfig, migrateServiceDatabase, type ServiceName } from '@varde/platform';
import { SERVICE_MIGRATIONS } from './service-migrations';

/** The services that have migrations, in the order `npm run migrate` runs them. */
export const MIGRATED_SERVICES = Object.keys(SERVICE_MIGRATIONS) as readonly ServiceName[];

/** Whether `name` names a service (and so a set of migrations). */
export const isMigratedService = (name: string): name is ServiceName => Object.hasOwn(SERVICE_MIGRATIONS, name);

/** Brings one service's database, configured by `env`, to the latest version; returns its schema and the steps applied now. */
export async function migrateService(service: ServiceName, env: NodeJS.ProcessEnv = process.env): Promise<Readonly<{ schema: string; applied: readonly string[] }>> {
  const config = loadPlatformConfig(service, env);
  return { schema: config.database.schema, applied: await migrateServiceDatabase(config, SERVICE_MIGRATIONS[service]) };
}

const USAGE = `usage: npm run migrate [-- --service <${MIGRATED_SERVICES.join('|')}>]`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { service: { type: 'string' }, help: { type: 'boolean', default: false } }, strict: true });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.service !== undefined && !isMigratedService(values.service)) throw new Error(`--service: expected one of ${MIGRATED_SERVICES.join(', ')}; got ${values.service}\n${USAGE}`);
  for (const service of values.service !== undefined ? [values.service] : MIGRATED_SERVICES) {
    const { schema, applied } = await migrateService(service);
    process.stdout.write(`${service} (schema ${schema}): ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
