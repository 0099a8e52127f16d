import type { RebuildableProjection } from '@varde/event-sourcing';
import { refillMeasurementsReadModel } from './measurements.read-model';
import { refillSampleChunksReadModel } from './sample-chunks.read-model';

/**
 * Measurements' read models that `npm run rebuild -- --service measurements --projection <name>` drops and rebuilds
 * from the event log. Truncated, not deleted: the tables hold a row per reading (millions), and each is refilled by
 * folding whole streams at once rather than replaying event by event.
 */
export const MEASUREMENTS_PROJECTIONS: Readonly<Record<string, RebuildableProjection>> = {
  measurements: { tables: ['measurements'], empty: 'truncate', refill: refillMeasurementsReadModel },
  'sample-chunks': { tables: ['measurement_chunks'], empty: 'truncate', refill: refillSampleChunksReadModel },
};
