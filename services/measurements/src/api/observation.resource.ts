import type { Observation } from '@medplum/fhirtypes';
import type { StoredEvent } from '@varde/event-sourcing';
import { applyToView, type MeasurementView } from '../application/measurement.view';
import type { MeasurementRecorded } from '../domain/measurement.events';

const UCUM = 'http://unitsofmeasure.org';

/** Extension on a corrected Observation pointing at the version it replaced. */
export const REPLACES_EXTENSION = 'https://varde.no/fhir/StructureDefinition/replaces';

/** A just-recorded measurement as a FHIR R4 Observation (value in the canonical unit); version 1 of its stream. */
export function observationResource(event: StoredEvent<MeasurementRecorded>): Observation {
  return observationFromView(applyToView(undefined, event, 1, event.metadata.recordedTime)!);
}

/** A measurement as it reads now; a corrected one links to the version it replaced and carries the reason. */
export function observationFromView(view: MeasurementView): Observation {
  const components = view.details?.components;
  return {
    resourceType: 'Observation',
    id: view.measurementId,
    meta: { versionId: String(view.version), lastUpdated: view.lastUpdated },
    ...(view.replaces ? { extension: [{ url: REPLACES_EXTENSION, valueReference: { reference: view.replaces } }] } : {}),
    ...(view.identifier ? { identifier: [{ ...view.identifier }] } : {}),
    status: view.status,
    code: { coding: [{ ...view.code }] },
    subject: { reference: `Patient/${view.patientId}` },
    effectiveDateTime: view.effectiveTime,
    issued: view.receivedTime,
    valueQuantity: { value: view.value, unit: view.unit, system: UCUM, code: view.unit },
    ...(components?.length
      ? { component: components.map((c) => ({ code: { coding: [{ ...c.code }] }, valueQuantity: { value: c.value, unit: c.unit, system: UCUM, code: c.unit } })) }
      : {}),
    ...(view.correctionReason ? { note: [{ text: view.correctionReason }] } : {}),
    ...(view.provenance.deviceId ? { device: { reference: view.provenance.deviceId } } : {}),
  };
}
