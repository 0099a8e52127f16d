import type { RecordedEvent } from '@varde/event-sourcing';
import type { MeasurementHistoryEvent, MeasurementRecorded, Provenance, SentResource } from '../domain/measurement.events';

/** FHIR Observation.status of a measurement as it reads now. */
export type MeasurementViewStatus = MeasurementRecorded['data']['observationStatus'] | 'entered-in-error';

/**
 * A measurement as it reads now: the current truth, with a link to the version it replaced. One row of the
 * `measurements` read model, and what the FHIR renderer draws from, whether read from a stream or the table.
 */
export type MeasurementView = Readonly<{
  measurementId: string;
  patientId: string;
  code: Readonly<{ system: string; code: string; display: string }>;
  value: number;
  unit: string;
  originalValue: number;
  originalUnit: string;
  effectiveTime: string;
  receivedTime: string;
  status: MeasurementViewStatus;
  /** `Observation/<id>/_history/<version>` of the version this one replaced (corrections only). */
  replaces?: string;
  /** Why the last correction was made. */
  correctionReason?: string;
  provenance: Provenance;
  identifier?: Readonly<{ system: string; value: string }>;
  /** Panel parts, plausibility flags and the Observation as sent, as recorded. */
  details?: Readonly<{ components?: MeasurementRecorded['data']['components']; flags?: readonly string[]; resource?: SentResource }>;
  /** Stream position of the last event applied: the FHIR versionId, and the guard against regressing. */
  version: number;
  lastUpdated: string;
}>;

/** Applies one event of a measurement stream at `version` (its stream position) recorded at `recordedTime`. */
export function applyToView(view: MeasurementView | undefined, event: MeasurementHistoryEvent, version: number, recordedTime: string): MeasurementView | undefined {
  switch (event.type) {
    case 'MeasurementRecorded': {
      const d = event.data;
      return {
        measurementId: d.measurementId,
        patientId: d.patientId,
        code: d.code,
        value: d.value,
        unit: d.unit,
        originalValue: d.originalValue,
        originalUnit: d.originalUnit,
        effectiveTime: d.effectiveTime,
        receivedTime: d.receivedTime,
        status: d.observationStatus,
        provenance: d.provenance,
        ...(d.identifier ? { identifier: d.identifier } : {}),
        ...(d.components || d.flags?.length || d.resource
          ? { details: { ...(d.components ? { components: d.components } : {}), ...(d.flags?.length ? { flags: d.flags } : {}), ...(d.resource ? { resource: d.resource } : {}) } }
          : {}),
        version,
        lastUpdated: recordedTime,
      };
    }
    case 'MeasurementCorrected': {
      if (!view) return view;
      const d = event.data;
      return { ...view, value: d.value, unit: d.unit, originalValue: d.originalValue, originalUnit: d.originalUnit, status: 'amended', replaces: `Observation/${view.measurementId}/_history/${view.version}`, correctionReason: d.reason, version, lastUpdated: recordedTime };
    }
    case 'MeasurementEnteredInError':
      if (!view) return view;
      return { ...view, status: 'entered-in-error', replaces: `Observation/${view.measurementId}/_history/${view.version}`, correctionReason: event.data.reason, version, lastUpdated: recordedTime };
    default: {
      const _exhaustive: never = event;
      return view;
    }
  }
}

/** Folds a stream's recorded events (up to `version`, when given) into its view. */
export function viewOfStream(events: readonly RecordedEvent[], version?: number): MeasurementView | undefined {
  return events
    .filter((e) => version === undefined || Number(e.metadata.streamPosition) <= version)
    .reduce<MeasurementView | undefined>(
      (view, e) => applyToView(view, e as unknown as MeasurementHistoryEvent, Number(e.metadata.streamPosition), e.metadata.recordedTime),
      undefined,
    );
}
