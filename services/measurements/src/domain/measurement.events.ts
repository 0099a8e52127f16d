import type { DomainEvent } from '@varde/core';

/** How a measurement was captured. */
export type Provenance = Readonly<{ method: 'device' | 'patient' | 'clinician'; deviceId?: string; organisation?: string }>;

/** A measurement was accepted, in its canonical unit and as received. */
export type MeasurementRecorded = DomainEvent<
  'MeasurementRecorded',
  {
    measurementId: string;
    patientId: string;
    /** FHIR Observation.status as received. */
    observationStatus: 'final' | 'amended' | 'corrected' | 'preliminary';
    code: Readonly<{ system: string; code: string; display: string }>;
    value: number;
    unit: string;
    originalValue: number;
    originalUnit: string;
    effectiveTime: string;
    receivedTime: string;
    identifier?: Readonly<{ system: string; value: string }>;
    provenance: Provenance;
  }
>;

/** Every event of a measurement stream. */
export type MeasurementEvent = MeasurementRecorded;

/** A measurement, folded from its events. */
export type MeasurementState = { status: 'none' } | ({ status: 'recorded' } & MeasurementRecorded['data']);

/** The state before any event. */
export const initialMeasurementState = (): MeasurementState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveMeasurement(state: MeasurementState, event: MeasurementEvent): MeasurementState {
  switch (event.type) {
    case 'MeasurementRecorded':
      return { status: 'recorded', ...event.data };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** The one name of a measurement's stream. */
export const measurementStreamId = (measurementId: string): string => `measurement-${measurementId}`;
