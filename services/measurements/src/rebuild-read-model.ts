// Empties and refills the `measurements` and `measurement_chunks` read models from the event log: `npm run measurements:rebuild-read-model`
// (the same as `npm run rebuild -- --service measurements --projection all`; this file is the image's entry point for it).
// Uses the service's own settings (DATABASE_URL, DB_SCHEMA); safe while the service runs (see rebuildProjection).
import { createPool, schemaConnectionString } from '@varde/database';
import { rebuildProjection } from '@varde/event-sourcing';
import { loadPlatformConfig } from '@varde/platform';
import { MEASUREMENTS_PROJECTIONS } from './infrastructure/measurements.projections';

async function main(): Promise<void> {
  const config = loadPlatformConfig('measurements');
  const pool = createPool({ connectionString: schemaConnectionString(config.database.url, config.database.schema), max: 1 });
  try {
    const started = Date.now();
    const { rows } = await rebuildProjection(pool, MEASUREMENTS_PROJECTIONS.measurements!);
    const chunks = await rebuildProjection(pool, MEASUREMENTS_PROJECTIONS['sample-chunks']!);
    process.stdout.write(
      `measurements read model rebuilt in schema ${config.database.schema}: ${rows['measurements']} measurements and ${chunks.rows['measurement_chunks']} stream chunks in ${Date.now() - started} ms\n`,
    );
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
