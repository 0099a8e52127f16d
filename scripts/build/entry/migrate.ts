/**
 * The image's migration entry point (`node dist/migrate.js`, the Helm chart's pre-install/pre-upgrade Job):
 * brings the database of the service named by `SERVICE` to the latest version and exits — 0 when done, 1 with
 * the reason. It runs `npm run migrate`'s code (scripts/migrate.ts, compiled to `dist/scripts/migrate.js`), so the
 * image applies the same steps — Emmett's event store, the libraries' and the service's versioned migrations — under
 * the same schema lock as a starting replica.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as MigrateCommand from '../../migrate';

// Loaded at run time from its compiled place: scripts/ sits beside services/ in dist/ as in the repository.
const { isMigratedService, migrateService, MIGRATED_SERVICES } = createRequire(__filename)(join(__dirname, 'scripts', 'migrate.js')) as typeof MigrateCommand;

async function migrate(): Promise<string> {
  const service = process.env['SERVICE'] ?? '';
  if (!isMigratedService(service)) throw new Error(`SERVICE must be one of ${MIGRATED_SERVICES.join(', ')} (got ${service === '' ? 'nothing' : JSON.stringify(service)})`);
  const { schema, applied } = await migrateService(service);
  return `${service}: schema ${schema} up to date${applied.length === 0 ? '' : ` (applied ${applied.join(', ')})`}`;
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
