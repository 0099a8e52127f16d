/**
 * The image's migration entry point (`node dist/migrate.js`, the Helm chart's pre-install/pre-upgrade Job):
 * brings the schema of the service named by `SERVICE` up to date and exits — 0 when done, 1 with the reason.
 * It holds the same schema lock as a starting replica, so it never races one.
 *
 * Today that is the service's schema and its event store (Emmett's tables and functions); the read-model
 * tables are still created by the service as it starts, until the services' versioned migrations replace them.
 */
import { createPostgresEventStore } from '@varde/event-sourcing';
import { loadPlatformConfig, startingAlone, type ServiceName } from '@varde/platform';

const services: readonly ServiceName[] = ['pathways', 'forms', 'measurements', 'triage', 'sharing'];

async function migrate(): Promise<string> {
  const service = process.env['SERVICE'] ?? '';
  if (!(services as readonly string[]).includes(service)) throw new Error(`SERVICE must be one of ${services.join(', ')} (got ${service === '' ? 'nothing' : JSON.stringify(service)})`);
  const config = loadPlatformConfig(service as ServiceName);
  await startingAlone(config.database.url, config.database.schema, async () => {
    const store = await createPostgresEventStore({ databaseUrl: config.database.url, schema: config.database.schema });
    await store.close();
  });
  return `${service}: schema ${config.database.schema} up to date`;
}

migrate().then(
  (done) => {
    process.stdout.write(`${JSON.stringify({ level: 'info', msg: done })}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
