import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { measurementDecider, type RecordMeasurement } from '../domain/measurement.decide';
import { measurementStreamId, type MeasurementRecorded } from '../domain/measurement.events';

/** A validated measurement, as the HTTP edge hands it over (the id is chosen here). */
export type MeasurementInput = Omit<RecordMeasurement['data'], 'measurementId'>;

/** The stored measurement and whether this call recorded it. */
export type RecordResult = Readonly<{ measurement: StoredEvent<MeasurementRecorded>; created: boolean }>;

/** Records one measurement; a resend of an identified measurement returns the original and writes nothing. */
@Injectable()
export class RecordMeasurementHandler {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  async handle(input: MeasurementInput, metadata: CommandMetadata): Promise<RecordResult> {
    // The sender's identifier decides the id, so a device resending a reading lands on the same stream.
    const measurementId = deterministicId(input.identifier ? `measurement:${input.identifier.system}|${input.identifier.value}` : `measurement-command:${metadata.commandId}`);
    const stream = measurementStreamId(measurementId);
    const result = await handleCommand(this.store, stream, measurementDecider, { type: 'RecordMeasurement', data: { ...input, measurementId }, metadata });
    const [measurement] = result.events.length > 0 ? result.events : (await this.store.readStream<StoredEvent<MeasurementRecorded>>(stream)).events;
    if (!measurement) throw new Error('the measurement was not recorded');
    return { measurement, created: result.events.length > 0 && !result.alreadyHandled };
  }
}
