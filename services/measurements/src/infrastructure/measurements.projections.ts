import { streamFoldProjection, type RebuildableProjection } from '@varde/event-sourcing';
import { applyToView, type MeasurementView } from '../application/measurement.view';
import { measurementStreamId, type MeasurementHistoryEvent } from '../domain/measurement.events';
import { sampleChunkStreamId, type MeasurementStreamChunkRecorded } from '../domain/sample-chunk.events';
import { upsertMeasurementViews } from './measurements.read-model';
import { insertChunks } from './sample-chunks.read-model';

/**
 * Measurements' read models that `npm run rebuild -- --service measurements --projection <name>` drops and rebuilds
 * from the event log. Truncated, not deleted: the tables hold a row per reading (millions); each measurement's stream
 * is folded into its one view, each chunk's stream into its one row, as the live code writes them.
 */
export const MEASUREMENTS_PROJECTIONS: Readonly<Record<string, RebuildableProjection>> = {
  measurements: streamFoldProjection<MeasurementView | undefined, MeasurementHistoryEvent>({
    tables: ['measurements'],
    empty: 'truncate',
    streamPrefix: measurementStreamId(''),
    batchSize: 5_000,
    initialState: () => undefined,
    evolve: (view, event) => applyToView(view, event, Number(event.metadata.streamPosition), event.metadata.recordedTime),
    write: (tx, streams) => upsertMeasurementViews(tx, streams.flatMap((s) => (s.state ? [s.state] : []))),
  }),
  'sample-chunks': streamFoldProjection<MeasurementStreamChunkRecorded['data'] | undefined, MeasurementStreamChunkRecorded>({
    tables: ['measurement_chunks'],
    empty: 'truncate',
    streamPrefix: sampleChunkStreamId(''),
    batchSize: 500,
    initialState: () => undefined,
    evolve: (chunk, event) => (event.type === 'MeasurementStreamChunkRecorded' ? event.data : chunk),
    write: (tx, streams) => insertChunks(tx, streams.flatMap((s) => (s.state ? [s.state] : []))),
  }),
};
