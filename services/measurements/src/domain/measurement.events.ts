import type { DomainEvent } from '@varde/core';

/** How a measurement was captured. */
export type Provenance = Readonly<{
  method: 'device' | 'patient' | 'clinician';
  deviceId?: string;
  organisation?: string;
  /** The system client (device gateway) that sent the measurement, when one did. */
  gateway?: string;
  /** What the device says about itself (FHIR Device: identifier, model, serial, manufacturer), when sent. */
  device?: DeviceDetails;
}>;

/** A measuring device as described by the sender. */
export type DeviceDetails = Readonly<{ identifier?: Readonly<{ system: string; value: string }>; model?: string; serial?: string; manufacturer?: string }>;

/** One part of a panel measurement, in its canonical unit and as received. */
export type MeasurementComponent = Readonly<{ code: Readonly<{ system: string; code: string; display: string }>; value: number; unit: string; originalValue: number; originalUnit: string }>;

/** A measurement was accepted, in its canonical unit and as received. */
export type MeasurementRecorded = DomainEvent<
  'MeasurementRecorded',
  {
    measurementId: string;
    patientId: string;
    /** The status the measurement was sent with. */
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
    /** Possible-but-unusual findings for triage (`unusual-low`, `8480-6:unusual-high`); absent on older events. */
    flags?: readonly string[];
    /** Panel parts (blood pressure); `value`/`unit` then repeat the first component (systolic). */
    components?: readonly MeasurementComponent[];
    /**
     * The FHIR Observation as the sender wrote it, less `id` and `meta.versionId`/`meta.lastUpdated`: what a read
     * returns (extensions, notes, extra codings, partial dates…); absent on older events.
     */
    resource?: SentResource;
  }
>;

/** A FHIR resource as received (JSON), kept so that what was sent is what is read back. */
export type SentResource = Readonly<Record<string, unknown>>;

/** Why and by whom a measurement was corrected; the actor is also in the event metadata. */
export type CorrectionNote = Readonly<{ reason: string; actor: Readonly<{ subject: string; role: string; organisation?: string }>; correctedTime: string }>;

/** A measurement's value was amended; the previous value stays in the stream (history is never deleted). */
export type MeasurementCorrected = DomainEvent<
  'MeasurementCorrected',
  {
    measurementId: string;
    patientId: string;
    code: Readonly<{ system: string; code: string; display: string }>;
    /** The new value, in the canonical unit. */
    value: number;
    unit: string;
    /** The new value as submitted. */
    originalValue: number;
    originalUnit: string;
    /** What it replaced (canonical). */
    previousValue: number;
    previousUnit: string;
    effectiveTime: string;
  } & CorrectionNote
>;

/** A measurement was marked as entered in error; it stays stored but is no longer the truth. */
export type MeasurementEnteredInError = DomainEvent<
  'MeasurementEnteredInError',
  { measurementId: string; patientId: string; code: Readonly<{ system: string; code: string; display: string }>; effectiveTime: string } & CorrectionNote
>;

/** Every event of a measurement stream. */
export type MeasurementEvent = MeasurementRecorded;

/** Every event of a measurement stream's history, corrections included (what evolve and projections read). */
export type MeasurementHistoryEvent = MeasurementEvent | MeasurementCorrected | MeasurementEnteredInError;

/** Where a recorded measurement stands after corrections (absent: as recorded). */
export type MeasurementLifecycle = Readonly<{ lifecycle?: 'amended' | 'entered-in-error'; lastCorrection?: CorrectionNote }>;

/** A measurement, folded from its events. */
export type MeasurementState = { status: 'none' } | ({ status: 'recorded' } & MeasurementRecorded['data'] & MeasurementLifecycle);

/** The state before any event. */
export const initialMeasurementState = (): MeasurementState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveMeasurement(state: MeasurementState, event: MeasurementHistoryEvent): MeasurementState {
  switch (event.type) {
    case 'MeasurementRecorded':
      return { status: 'recorded', ...event.data };
    case 'MeasurementCorrected': {
      if (state.status !== 'recorded') return state;
      // originalValue/originalUnit stay as received, so a device resending its reading is still recognised.
      const { value, unit, reason, actor, correctedTime } = event.data;
      return { ...state, value, unit, lifecycle: 'amended', lastCorrection: { reason, actor, correctedTime } };
    }
    case 'MeasurementEnteredInError': {
      if (state.status !== 'recorded') return state;
      const { reason, actor, correctedTime } = event.data;
      return { ...state, lifecycle: 'entered-in-error', lastCorrection: { reason, actor, correctedTime } };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The one name of a measurement's stream. */
export const measurementStreamId = (measurementId: string): string => `measurement-${measurementId}`;
