/** The FHIR identifier system of a URI identifier: the measurement id as `urn:uuid:<id>` is unique everywhere. */
export const URI_IDENTIFIER_SYSTEM = 'urn:ietf:rfc:3986';
/** Organisation numbers (Enhetsregisteret) as FHIR identifier system. */
export const ORGANISATION_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';

/** A coded value with its unit, as measured. */
export type MeasuredQuantity = Readonly<{ value: number; unit: string }>;

/** One part of a panel (blood pressure). */
export type MeasuredComponent = Readonly<{ code: string; display?: string; quantity: MeasuredQuantity }>;

/** The device that took a measurement, when known. */
export type MeasuringDevice = Readonly<{ identifier?: string; model?: string; serial?: string; manufacturer?: string }>;

/** A measurement as Varde recorded it, with what PMD needs of it. */
export type SharedMeasurement = Readonly<{
  measurementId: string;
  patientId: string;
  code: string;
  display?: string;
  /** As the device measured it (original value and unit). */
  quantity: MeasuredQuantity;
  components: readonly MeasuredComponent[];
  effectiveTime: string;
  receivedTime: string;
  device?: MeasuringDevice;
}>;

/** The Observation sent to PMD, without its subject (the national id is added only when it is sent). */
export type PmdObservation = Readonly<Record<string, unknown> & { resourceType: 'Observation'; status: 'final' | 'amended' | 'entered-in-error' }>;

const ucum = (q: MeasuredQuantity) => ({ value: q.value, unit: q.unit, system: 'http://unitsofmeasure.org', code: q.unit });
const loinc = (code: string, display?: string) => ({ coding: [{ system: 'http://loinc.org', code, ...(display ? { display } : {}) }] });

/** The identifier that makes the measurement one resource in PMD however often it is sent. */
export function measurementIdentifier(measurementId: string): Readonly<{ system: string; value: string }> {
  return { system: URI_IDENTIFIER_SYSTEM, value: `urn:uuid:${measurementId}` };
}

/**
 * A measurement as a vital-signs Observation for PMD: LOINC code, the value and UCUM unit as the device measured
 * them, panel parts as components, the device by identifier and description, and the hospital (organisation
 * number) as performer.
 */
export function pmdObservation(m: SharedMeasurement, hospitalOrganisationNumber: string): PmdObservation {
  const device = m.device;
  const description = device ? [device.manufacturer, device.model, device.serial && `serial ${device.serial}`].filter(Boolean).join(' ') : '';
  const [deviceSystem, deviceValue] = device?.identifier?.includes('|') ? device.identifier.split('|', 2) : [undefined, device?.identifier];
  return {
    resourceType: 'Observation',
    identifier: [measurementIdentifier(m.measurementId)],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: loinc(m.code, m.display),
    effectiveDateTime: m.effectiveTime,
    issued: m.receivedTime,
    performer: [{ identifier: { system: ORGANISATION_NUMBER_SYSTEM, value: hospitalOrganisationNumber } }],
    ...(m.components.length > 0
      ? { component: m.components.map((c) => ({ code: loinc(c.code, c.display), valueQuantity: ucum(c.quantity) })) }
      : { valueQuantity: ucum(m.quantity) }),
    ...(deviceValue || description
      ? { device: { ...(deviceValue ? { identifier: { ...(deviceSystem ? { system: deviceSystem } : {}), value: deviceValue } } : {}), ...(description ? { display: description } : {}) } }
      : {}),
  };
}

/** The Observation after a correction: the new value (in the canonical unit the correction gives), status amended, the reason as a note. */
export function amendedObservation(previous: PmdObservation, value: MeasuredQuantity, reason: string): PmdObservation {
  const { component: _component, valueQuantity: _value, note: _note, ...rest } = previous as PmdObservation & { component?: unknown; valueQuantity?: unknown; note?: unknown };
  return { ...rest, status: 'amended', valueQuantity: ucum(value), ...(reason ? { note: [{ text: `Corrected: ${reason}` }] } : {}) };
}

/** The Observation marked entered in error, with the reason as a note. */
export function enteredInErrorObservation(previous: PmdObservation, reason: string): PmdObservation {
  return { ...previous, status: 'entered-in-error', ...(reason ? { note: [{ text: `Entered in error: ${reason}` }] } : {}) };
}
