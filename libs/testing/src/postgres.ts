import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './ports';

const repoRoot = join(__dirname, '..', '..', '..');

/** A PostgreSQL server for a test run. */
export type TestPostgres = Readonly<{ databaseUrl: string; stop: () => Promise<void> }>;

/**
 * The test database: `DATABASE_URL` when given (e.g. CI with its own server), otherwise a fresh embedded
 * server in a child process (see deploy/local/embedded-postgres-process.ts for why not in this process).
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  if (process.env.DATABASE_URL) return { databaseUrl: process.env.DATABASE_URL, stop: async () => undefined };
  const port = await freePort();
  const dataDir = join(repoRoot, '.data', 'test', `pg-${process.pid}-${port}`);
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(repoRoot, 'deploy', 'local', 'embedded-postgres-process.ts'), dataDir, String(port), '--ephemeral'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const databaseUrl = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { databaseUrl: string }).databaseUrl));
    void exited.then((code) => reject(new Error(`embedded PostgreSQL exited with code ${code} before it was ready`)));
  });
  return {
    databaseUrl,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
