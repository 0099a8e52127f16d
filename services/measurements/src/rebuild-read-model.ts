// Drops and refills the `measurements` and `measurement_chunks` read models from the event log: `npm run measurements:rebuild-read-model`.
// Uses the service's own settings (DATABASE_URL, DB_SCHEMA); safe while the service runs (see the function).
import { createPool, schemaConnectionString } from '@varde/database';
import { loadPlatformConfig } from '@varde/platform';
import { rebuildMeasurementsReadModel } from './infrastructure/measurements.read-model';
import { rebuildSampleChunksReadModel } from './infrastructure/sample-chunks.read-model';

async function main(): Promise<void> {
  const config = loadPlatformConfig('measurements');
  const pool = createPool({ connectionString: schemaConnectionString(config.database.url, config.database.schema), max: 1 });
  try {
    const started = Date.now();
    const rows = await rebuildMeasurementsReadModel(pool);
    const chunks = await rebuildSampleChunksReadModel(pool);
    process.stdout.write(`measurements read model rebuilt in schema ${config.database.schema}: ${rows} measurements and ${chunks} stream chunks in ${Date.now() - started} ms\n`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
