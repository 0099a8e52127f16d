import type { Transaction } from '@varde/event-sourcing';
import type { MeasurementView } from './measurement.view';

/** Port: the measurements read model's writer (one row per measurement, as it reads now). */
export abstract class MeasurementsProjection {
  /** Upserts the views in `tx`, committed with the events they come from; a stale one (lower position) changes nothing. */
  abstract apply(tx: Transaction, views: readonly MeasurementView[]): Promise<void>;
  /** Upserts the row of one measurement stream as it reads in `tx` (after a correction appended to it there). */
  abstract applyStream(tx: Transaction, streamName: string): Promise<void>;
}
