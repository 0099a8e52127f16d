/**
 * `npm run migrate [-- --service <name>]`: brings each service's database schema (or one service's) to the latest
 * version without starting the service — what a Kubernetes Job runs before a rollout. Uses the services' own
 * settings (DATABASE_URL, DB_SCHEMA, BUS_SCHEMA, KAFKA_BROKERS). Services also migrate at start-up, under their
 * start-up lock, so running this first is optional locally.
 */
import { parseArgs } from 'node:util';
import { loadPlatformConfig, migrateServiceDatabase, SERVICE_PORTS, type ServiceName } from '@varde/platform';
import { SERVICE_MIGRATIONS } from './service-migrations';

const USAGE = `usage: npm run migrate [-- --service <${Object.keys(SERVICE_PORTS).join('|')}>]`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { service: { type: 'string' }, help: { type: 'boolean', default: false } }, strict: true });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const isService = (name: string): name is ServiceName => Object.hasOwn(SERVICE_MIGRATIONS, name);
  if (values.service !== undefined && !isService(values.service)) throw new Error(`--service: expected one of ${Object.keys(SERVICE_MIGRATIONS).join(', ')}; got ${values.service}\n${USAGE}`);
  const services = values.service !== undefined ? [values.service as ServiceName] : (Object.keys(SERVICE_MIGRATIONS) as ServiceName[]);
  for (const service of services) {
    const config = loadPlatformConfig(service);
    const applied = await migrateServiceDatabase(config, SERVICE_MIGRATIONS[service]);
    process.stdout.write(`${service} (schema ${config.database.schema}): ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
