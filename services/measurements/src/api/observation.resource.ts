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

/**
 * Extension on a Quantity whose value Varde converted to the code's canonical unit: the Quantity as it was sent
 * (e.g. 185 [lb_av] beside 83.91 kg).
 */
export const ORIGINAL_QUANTITY_EXTENSION = 'https://varde.no/fhir/StructureDefinition/original-quantity';

type Json = Record<string, unknown>;
const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/**
 * A Quantity as read now: as sent when Varde kept its unit (the value corrected if it was), otherwise in the
 * canonical unit with the sent one kept under {@link ORIGINAL_QUANTITY_EXTENSION}.
 */
function quantityNow(sent: unknown, now: { value: number; unit: string; originalValue: number; originalUnit: string }): Json {
  const original = typeof sent === 'object' && sent !== null ? (sent as Json) : {};
  if (now.unit === now.originalUnit) return { ...original, value: now.value };
  return { value: now.value, unit: now.unit, system: UCUM, code: now.unit, extension: [{ url: ORIGINAL_QUANTITY_EXTENSION, valueQuantity: { ...original, value: now.originalValue } }] };
}

/**
 * A measurement as it reads now, drawn on the Observation as it was sent (every element kept: extensions, notes,
 * extra codings, a date's precision) with what the server assigns or changed: `id`, `meta.versionId`,
 * `meta.lastUpdated`, `issued` unless sent, the status and value after a correction (with a link to the version
 * it replaced and the reason as a note), and values converted to the canonical unit.
 */
export function observationFromView(view: MeasurementView): Observation {
  const sent = view.details?.resource;
  if (!sent) return observationFromFields(view);
  const components = view.details?.components;
  const sentComponents = asArray(sent['component']);
  const meta = { ...(sent['meta'] as Json | undefined), versionId: String(view.version), lastUpdated: view.lastUpdated };
  const extension = [...asArray(sent['extension']), ...(view.replaces ? [{ url: REPLACES_EXTENSION, valueReference: { reference: view.replaces } }] : [])];
  const note = [...asArray(sent['note']), ...(view.correctionReason ? [{ text: view.correctionReason }] : [])];
  return {
    ...sent,
    resourceType: 'Observation',
    id: view.measurementId,
    meta,
    ...(extension.length > 0 ? { extension } : {}),
    status: view.status,
    ...(sent['issued'] === undefined ? { issued: view.receivedTime } : {}),
    ...(components?.length
      ? { component: sentComponents.map((c) => {
          const coded = components.find((p) => asArray((c['code'] as Json | undefined)?.['coding']).some((x) => x['code'] === p.code.code));
          return coded ? { ...c, valueQuantity: quantityNow(c['valueQuantity'], coded) } : c;
        }) }
      : { valueQuantity: quantityNow(sent['valueQuantity'], view) }),
    ...(note.length > 0 ? { note } : {}),
  } as unknown as Observation;
}

/** A measurement recorded before the sent Observation was kept, drawn from the recorded fields alone. */
function observationFromFields(view: MeasurementView): Observation {
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
