import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import { EventStore, type RecordedEvent, type StoredEvent } from '@varde/event-sourcing';
import { measurementStreamId, type MeasurementRecorded } from '../domain/measurement.events';
import { sampleChunkStreamId, type SampleChunkEvent } from '../domain/sample-chunk.events';
import { viewOfStream, type MeasurementView } from './measurement.view';

/** Reads one stored measurement from its stream. */
@Injectable()
export class MeasurementQuery {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async get(measurementId: string): Promise<StoredEvent<MeasurementRecorded>> {
    const { events } = await this.store.readStream<StoredEvent<MeasurementRecorded>>(measurementStreamId(measurementId));
    const recorded = events.find((e) => e.type === 'MeasurementRecorded');
    if (!recorded) throw new NotFoundError(`Observation/${measurementId} does not exist`);
    return recorded;
  }

  /** The measurement as it reads now, or as it read at `version` (FHIR `_history`); undefined when unknown. */
  async current(measurementId: string, version?: number): Promise<MeasurementView | undefined> {
    const { events } = await this.store.readStream(measurementStreamId(measurementId));
    return viewOfStream(events as unknown as RecordedEvent[], version);
  }

  /** A stream chunk as recorded (chunks have one event and are never corrected); undefined when unknown. */
  async chunk(chunkId: string): Promise<StoredEvent<SampleChunkEvent> | undefined> {
    const { events } = await this.store.readStream<StoredEvent<SampleChunkEvent>>(sampleChunkStreamId(chunkId));
    return events.find((e) => e.type === 'MeasurementStreamChunkRecorded');
  }
}
