import type { Observation } from '@medplum/fhirtypes';
import type { StoredEvent } from '@varde/event-sourcing';
import { applyToView, type MeasurementView } from '../application/measurement.view';
import type { MeasurementRecorded } from '../domain/measurement.events';
import type { MeasurementStreamChunkRecorded } from '../domain/sample-chunk.events';

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

/**
 * A chunk of a stream as a FHIR R4 Observation: `valueSampledData` in the canonical unit (origin 0, factor 1,
 * gaps as E/L/U) and `effectivePeriod` from the first sample to the end of the last one's period. Chunks are
 * never corrected, so there is one version.
 */
export function observationFromChunk(chunk: MeasurementStreamChunkRecorded['data'], lastUpdated: string): Observation {
  return {
    resourceType: 'Observation',
    id: chunk.chunkId,
    meta: { versionId: '1', lastUpdated },
    ...(chunk.identifier ? { identifier: [{ ...chunk.identifier }] } : {}),
    status: chunk.observationStatus,
    code: { coding: [{ ...chunk.code }] },
    subject: { reference: `Patient/${chunk.patientId}` },
    effectivePeriod: { start: chunk.start, end: chunk.end },
    issued: chunk.receivedTime,
    valueSampledData: { origin: { value: 0, unit: chunk.unit, system: UCUM, code: chunk.unit }, period: chunk.periodMs, dimensions: 1, data: chunk.data },
    ...(chunk.provenance.deviceId ? { device: { reference: chunk.provenance.deviceId } } : {}),
  };
}
