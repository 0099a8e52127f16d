import type { CommandMetadata } from '@varde/core';
import { deterministicId, type StoredEvent } from '@varde/event-sourcing';
import type { RecordMeasurement } from '../domain/measurement.decide';
import { contentParts, measurementContent } from '../domain/reading-content';
import type { MeasurementRecorded } from '../domain/measurement.events';

/** A validated measurement, as the HTTP edge hands it over (the id is chosen here). */
export type MeasurementInput = Omit<RecordMeasurement['data'], 'measurementId'>;

/** The stored measurement and whether this call recorded it. */
export type RecordResult = Readonly<{ measurement: StoredEvent<MeasurementRecorded>; created: boolean }>;

/**
 * The measurement id: from the sender's identifier when there is one (a gateway resending a reading lands on
 * the same stream), otherwise a hash of the patient and the reading's content (the fields a resend is compared on,
 * see measurementContent), so an unidentified resend lands there too.
 */
export function measurementIdOf(input: MeasurementInput): string {
  if (input.identifier) return measurementIdOfIdentifier(input.identifier);
  return deterministicId(`measurement-content:${JSON.stringify([input.patientId, ...contentParts(measurementContent(input))])}`);
}

/** The id of the measurement a sender's identifier names (what `If-None-Exist: identifier=system|value` looks up). */
export const measurementIdOfIdentifier = (identifier: Readonly<{ system: string; value: string }>): string => deterministicId(`measurement:${identifier.system}|${identifier.value}`);

/** The command recording one measurement, on the stream its id names. */
export function recordMeasurementCommand(input: MeasurementInput, metadata: CommandMetadata): RecordMeasurement {
  return { type: 'RecordMeasurement', data: { ...input, measurementId: measurementIdOf(input) }, metadata };
}
