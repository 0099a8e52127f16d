import { join } from 'node:path';
import { startEmbeddedPostgresProcess, type LocalPostgres } from '../../../deploy/local/embedded-postgres';
import { freePort, onFreshPortsUntilBound } from './ports';

const repoRoot = join(__dirname, '..', '..', '..');

/** A PostgreSQL server for a test run. */
export type TestPostgres = LocalPostgres;

/** The test database: `DATABASE_URL` when given (e.g. CI with its own server), otherwise a fresh embedded server. */
export async function startTestPostgres(): Promise<TestPostgres> {
  if (process.env.DATABASE_URL) return { databaseUrl: process.env.DATABASE_URL, stop: async () => undefined };
  return onFreshPortsUntilBound(async () => {
    const port = await freePort();
    return startEmbeddedPostgresProcess({ dataDir: join(repoRoot, '.data', 'test', `pg-${process.pid}-${port}`), port, ephemeral: true });
  });
}
