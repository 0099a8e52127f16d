import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import type { StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { measurementStreamId, type MeasurementRecorded } from '../domain/measurement.events';

/** Reads one stored measurement from its stream. */
@Injectable()
export class MeasurementQuery {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  async get(measurementId: string): Promise<StoredEvent<MeasurementRecorded>> {
    const { events } = await this.store.readStream<StoredEvent<MeasurementRecorded>>(measurementStreamId(measurementId));
    const recorded = events.find((e) => e.type === 'MeasurementRecorded');
    if (!recorded) throw new NotFoundError(`Observation/${measurementId} does not exist`);
    return recorded;
  }
}
