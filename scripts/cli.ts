/** What every npm script's command line shares: printing a result or an error, and the exit code. */
/** Runs a CLI's main: prints its result, or the error and exit code 1 (2 for usage errors). */
export function runCli(main: () => Promise<{ output: string; ok: boolean }>, usage: string): void {
  main().then(
    ({ output, ok }) => {
      process.stdout.write(`${output}\n`);
      process.exitCode = ok ? 0 : 1;
    },
    (error: unknown) => {
      const isUsage = error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${isUsage ? `\n${usage}\n` : ''}`);
      process.exitCode = isUsage ? 2 : 1;
    },
  );
}

/** A wrong or missing command-line option. */
export class UsageError extends Error {}
