import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * Runs embedded PostgreSQL in a process of its own and prints `{"databaseUrl": …}` once ready; SIGTERM stops
 * it. Test runners use this instead of importing embedded-postgres: the package installs process exit hooks
 * (async-exit-hook) that would replace the test runner's exit code with 0.
 * Usage: node -r @swc-node/register deploy/local/embedded-postgres-process.ts <dataDir> <port> [--ephemeral]
 */
async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !port) {
    process.stderr.write('usage: embedded-postgres-process.ts <dataDir> <port> [--ephemeral]\n');
    process.exit(2);
  }
  const postgres = await startEmbeddedPostgres({ dataDir, port: Number(port), ephemeral: process.argv.includes('--ephemeral') });
  process.stdout.write(`${JSON.stringify({ databaseUrl: postgres.databaseUrl })}\n`);
  const stop = (): void => {
    postgres.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded PostgreSQL failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
