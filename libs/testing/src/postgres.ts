import { join } from 'node:path';
import { startEmbeddedPostgres, type LocalPostgres } from '../../../deploy/local/embedded-postgres';
import { freePort } from './ports';

const repoRoot = join(__dirname, '..', '..', '..');

/** The test database: `DATABASE_URL` when given (e.g. CI with its own server), otherwise a fresh embedded server. */
export async function startTestPostgres(): Promise<LocalPostgres> {
  if (process.env.DATABASE_URL) return { databaseUrl: process.env.DATABASE_URL, stop: async () => undefined };
  const port = await freePort();
  return startEmbeddedPostgres({ dataDir: join(repoRoot, '.data', 'test', `pg-${process.pid}-${port}`), port, ephemeral: true });
}
