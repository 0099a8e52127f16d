import type { Observation } from '@medplum/fhirtypes';
import type { StoredEvent } from '@varde/event-sourcing';
import type { MeasurementRecorded } from '../domain/measurement.events';

/** A stored measurement as a FHIR R4 Observation (value in the canonical unit). */
export function observationResource(event: StoredEvent<MeasurementRecorded>): Observation {
  const d = event.data;
  return {
    resourceType: 'Observation',
    id: d.measurementId,
    meta: { lastUpdated: event.metadata.recordedTime },
    ...(d.identifier ? { identifier: [{ ...d.identifier }] } : {}),
    status: d.observationStatus,
    code: { coding: [{ ...d.code }] },
    subject: { reference: `Patient/${d.patientId}` },
    effectiveDateTime: d.effectiveTime,
    issued: d.receivedTime,
    valueQuantity: { value: d.value, unit: d.unit, system: 'http://unitsofmeasure.org', code: d.unit },
    ...(d.provenance.deviceId ? { device: { reference: d.provenance.deviceId } } : {}),
  };
}
