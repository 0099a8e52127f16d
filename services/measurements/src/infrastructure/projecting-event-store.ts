import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { withStoreOverrides, type RecordedEvent, type StoredEvent } from '@varde/event-sourcing';
import type { Logger } from '@varde/platform';
import { applyToView, viewOfStream, type MeasurementView } from '../application/measurement.view';
import type { MeasurementHistoryEvent } from '../domain/measurement.events';

const MEASUREMENT_STREAM = /^measurement-/;

/**
 * The event store, with the `measurements` read model upserted right after each successful append to a
 * measurement stream: whichever handler appends (single, Bundle, correction), the table follows in one
 * statement. A brand-new measurement is projected from its one event; a correction re-reads its short stream.
 * If the upsert fails the append still stands (it is the truth); the row catches up on the next change or on
 * a rebuild, so the failure is logged, not thrown.
 */
export function projectingEventStore(store: PostgresEventStore, upsert: (views: readonly MeasurementView[]) => Promise<void>, logger: Logger): PostgresEventStore {
  const appendToStream: PostgresEventStore['appendToStream'] = async (streamName, events, options) => {
    const result = await store.appendToStream(streamName, events, options);
    if (MEASUREMENT_STREAM.test(streamName)) {
      try {
        const view = await viewAfter(streamName, events as unknown as StoredEvent<MeasurementHistoryEvent>[], Number(result.nextExpectedStreamVersion));
        if (view) await upsert([view]);
      } catch (error) {
        logger.error({ err: error, streamName }, 'measurements read model not updated; it catches up on the next change or a rebuild');
      }
    }
    return result;
  };

  const viewAfter = async (streamName: string, events: StoredEvent<MeasurementHistoryEvent>[], version: number): Promise<MeasurementView | undefined> => {
    const [only] = events;
    if (events.length === 1 && version === 1 && only?.type === 'MeasurementRecorded') return applyToView(undefined, only, version, only.metadata.recordedTime);
    return viewOfStream((await store.readStream(streamName)).events as unknown as RecordedEvent[]);
  };

  return withStoreOverrides(store, { appendToStream });
}
