import { type FieldIssue, isKnownMeasurementCode, isLoincCode, LOINC, MEASUREMENT_TYPES, measurementTypeOf, ValidationError } from '@varde/core';
import { z } from 'zod';
import { EARLIEST_CLINICAL_DATE, fhirDateStart, fhirElementPath, parseResource } from '@varde/fhir';
import { assessEffectiveTime, assessPlausibility } from '../domain/measurement-plausibility';
import type { ComponentInput } from '../domain/measurement.decide';
import type { DeviceDetails, SentResource } from '../domain/measurement.events';
import { canonicalQuantity, isUnitIssue, type CanonicalQuantity } from '../application/canonical-quantity';
import type { MeasurementInput } from '../application/record-measurement.command';
import type { UnitConverter } from '../application/unit-converter';
import { observationPaths } from './observation-paths';

const RESOURCE = 'Observation';
const UCUM = 'http://unitsofmeasure.org';
// Plausibility is the domain's, and names the domain's fields.
const inObservation = (issue: FieldIssue): FieldIssue => ({ ...issue, field: observationPaths(issue.field) });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The named vital-sign codes, for messages. */
export const named = MEASUREMENT_TYPES.flatMap((t) => t.codes).join(', ');

// Structure (every element R4 defines, types, cardinality) is the R4 validator's (ObservationIntake): these schemas
// read what Varde uses and let everything else through, to be kept and returned as sent.
const Coding = z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() }).passthrough();
const CodeableConcept = z.object({ coding: z.array(Coding, { required_error: `required: a LOINC coding, e.g. one of ${named}` }), text: z.string().optional() }, { required_error: 'required: what was measured (code.coding)' }).passthrough();

/** A UCUM Quantity: a finite JSON number and a UCUM code. */
export const Quantity = z
  .object(
    {
      value: z.number({ required_error: 'required: the measured value', invalid_type_error: 'expected a JSON number, not a string' }).finite('expected a finite number'),
      unit: z.string().optional(),
      system: z.literal(UCUM, { errorMap: () => ({ message: `expected "${UCUM}" (UCUM)` }) }),
      code: z.string({ required_error: 'required: the UCUM unit code, e.g. "%", "kg", "mm[Hg]"' }),
    },
    { required_error: 'required: {"value": <number>, "system": "http://unitsofmeasure.org", "code": "<UCUM unit>"}' },
  )
  .passthrough();

const Identifier = z.object({ system: z.string({ required_error: 'required: the namespace of the identifier (a URI)' }), value: z.string({ required_error: 'required: the identifier' }).min(1), use: z.string().optional() }).passthrough();

// A device described inline (FHIR Personal Health Device style): only what provenance records is read.
const ContainedDevice = z
  .object({
    resourceType: z.literal('Device', { errorMap: () => ({ message: 'expected "Device": only the measuring device may be contained' }) }),
    id: z.string({ required_error: 'required: the id that device.reference points at ("#<id>")' }),
    identifier: z.array(Identifier).optional(),
    serialNumber: z.string().optional(),
    modelNumber: z.string().optional(),
    manufacturer: z.string().optional(),
  })
  .passthrough();

const Instant = z.string();

/** The FHIR R4 Observation elements Varde reads, for point values; stream chunks extend it (sampled-observation.validation.ts). */
export const ObservationBody = z
  .object({
    resourceType: z.literal(RESOURCE, { errorMap: () => ({ message: `expected "${RESOURCE}"` }) }),
    identifier: z.array(Identifier).optional(),
    status: z.enum(['final', 'amended', 'corrected', 'preliminary'], { errorMap: () => ({ message: 'expected one of final, amended, corrected, preliminary (a measurement that is registered, cancelled, entered-in-error or unknown is not recorded)' }) }),
    code: CodeableConcept,
    subject: z.object({ reference: z.string({ required_error: 'required: "Patient/<patient id>"' }) }, { required_error: 'required: {"reference": "Patient/<patient id>"}' }).passthrough(),
    effectiveDateTime: z.string().optional(),
    effectiveInstant: Instant.optional(),
    effectivePeriod: z.object({ start: Instant.optional(), end: Instant.optional() }).passthrough().optional(),
    valueQuantity: Quantity.optional(),
    component: z.array(z.object({ code: CodeableConcept, valueQuantity: Quantity }).passthrough()).optional(),
    device: z.object({ reference: z.string().optional(), identifier: Identifier.optional(), display: z.string().optional() }).passthrough().optional(),
    contained: z.array(ContainedDevice).optional(),
  })
  .passthrough();

/** A measurement that passed validation; the caller adds provenance. */
export type ValidObservation = Omit<MeasurementInput, 'provenance'> & { deviceReference?: string; device?: DeviceDetails; performerOrganisation?: string };

/** What validation needs besides the body: the server's clock, the allowed skew and the unit converter. */
export type ObservationContext = Readonly<{ now: Date; maxFutureMs: number; units: UnitConverter }>;

type Parsed = z.infer<typeof ObservationBody>;
type Coded = z.infer<typeof Coding>;

/** The coding that says what was measured: a named vital sign first, otherwise any LOINC code. */
export const measuredCoding = (codings: readonly Coded[]): Coded | undefined =>
  codings.find((c) => isKnownMeasurementCode(c.system, c.code)) ?? codings.find((c) => c.system === LOINC && c.code !== undefined && isLoincCode(c.code));

/**
 * Validates the semantics of a FHIR R4 Observation Varde records (structure is checked before, by the FHIR
 * validator): a LOINC code, a finite value in a UCUM unit convertible to the code's canonical unit (blood
 * pressure: systolic and diastolic components), physically possible, taken not more than `maxFutureMs` ahead
 * of `now`, for an internal patient id. Issues name the element, e.g. `Observation.valueQuantity.code`.
 */
export function validateObservation(body: unknown, context: ObservationContext): ValidObservation {
  const obs = parseResource(ObservationBody, body, RESOURCE);
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string): void => void issues.push({ field: fhirElementPath(RESOURCE, field), message });

  const coding = measuredCoding(obs.code.coding);
  if (!coding) issue('code.coding', `expected a LOINC coding (system "${LOINC}"), e.g. one of ${named}`);
  const type = coding && measurementTypeOf(coding.system, coding.code, obs.valueQuantity?.code);
  let quantity: CanonicalQuantity | undefined;
  let components: ComponentInput[] | undefined;
  if (coding && type?.components) {
    if (obs.valueQuantity) issue('valueQuantity', `not used for ${type.display}: send the values as component (${type.components.map((c) => c.code).join(', ')})`);
    components = panelComponents(obs, type.components, context.units, issue);
    const first = components?.find((c) => c.code === type.components![0]!.code);
    if (first) quantity = first;
  } else if (coding && type) {
    if (obs.component) issue('component', `only the blood pressure panel (85354-9) has components`);
    if (!obs.valueQuantity) issue('valueQuantity', 'required: {"value": <number>, "system": "http://unitsofmeasure.org", "code": "<UCUM unit>"}');
    else {
      const converted = canonicalQuantity(context.units, obs.valueQuantity.value, obs.valueQuantity.code, type.canonicalUnit, fhirElementPath(RESOURCE, 'valueQuantity.code'));
      if (isUnitIssue(converted)) issues.push(converted);
      else quantity = converted;
    }
  }
  if (type && quantity && issues.length === 0) issues.push(...assessPlausibility(type, { value: quantity.value, ...(components ? { components } : {}) }).issues.map(inObservation));

  const patientId = subjectPatientId(obs.subject.reference, issue);
  const effectiveTime = effectiveTimeOf(obs, issue);
  const future = effectiveTime && assessEffectiveTime(effectiveTime, context.now, context.maxFutureMs);
  if (future) issues.push(inObservation(future));
  const device = obs.device && deviceOf(obs, issue);
  if (issues.length > 0 || !coding || !patientId || !quantity || !effectiveTime) throw new ValidationError(issues.length > 0 ? issues : [{ field: RESOURCE, message: 'no measured value' }]);

  const identifier = obs.identifier?.[0];
  return {
    patientId,
    observationStatus: obs.status,
    code: { system: coding.system!, code: coding.code! },
    value: quantity.value,
    unit: quantity.unit,
    originalValue: quantity.originalValue,
    originalUnit: quantity.originalUnit,
    effectiveTime,
    ...(identifier ? { identifier: { system: identifier.system, value: identifier.value } } : {}),
    ...(components ? { components } : {}),
    resource: asSent(body as Record<string, unknown>),
    ...(device?.reference ? { deviceReference: device.reference } : {}),
    ...(device?.details ? { device: device.details } : {}),
    ...performerOrganisationOf(body),
  };
}

/** The organisation number of the Observation's first performer named by one (`urn:oid:2.16.578.1.12.4.1.4.101`), when there is one. */
function performerOrganisationOf(body: unknown): { performerOrganisation?: string } {
  const performers = (body as { performer?: unknown }).performer;
  const named = Array.isArray(performers) ? (performers as { identifier?: { system?: unknown; value?: unknown } }[]).find((p) => p?.identifier?.system === 'urn:oid:2.16.578.1.12.4.1.4.101' && typeof p.identifier.value === 'string') : undefined;
  return named ? { performerOrganisation: named.identifier!.value as string } : {};
}

/**
 * The point in time a measurement was taken, as an ISO instant: `effectiveDateTime` (a date without a time is
 * the start of that day, month or year in Europe/Oslo), `effectiveInstant`, or the start of `effectivePeriod`
 * (its end when it has no start). Undefined after an issue.
 */
export function effectiveTimeOf(obs: Pick<Parsed, 'effectiveDateTime' | 'effectiveInstant' | 'effectivePeriod'>, issue: (field: string, message: string) => void): string | undefined {
  const [field, value] =
    obs.effectiveDateTime !== undefined ? ['effectiveDateTime', obs.effectiveDateTime]
    : obs.effectiveInstant !== undefined ? ['effectiveInstant', obs.effectiveInstant]
    : obs.effectivePeriod !== undefined ? [obs.effectivePeriod.start !== undefined ? 'effectivePeriod.start' : 'effectivePeriod.end', obs.effectivePeriod.start ?? obs.effectivePeriod.end] : ['effectiveDateTime', undefined];
  if (value === undefined) {
    issue(field, 'required: when the measurement was taken, as effectiveDateTime (e.g. 2026-12-01 or 2026-12-01T08:00:00+01:00), effectiveInstant or effectivePeriod');
    return undefined;
  }
  const start = fhirDateStart(value);
  if (!start) {
    issue(field, 'expected a FHIR date or date-time, e.g. 2026-12-01 or 2026-12-01T08:00:00+01:00');
    return undefined;
  }
  if (start.toISOString() < EARLIEST_CLINICAL_DATE) {
    issue(field, `is before ${EARLIEST_CLINICAL_DATE.slice(0, 10)}; a measurement that old is a sender's error`);
    return undefined;
  }
  return start.toISOString();
}

/** The resource as the sender wrote it, less what the server assigns (`id`, `meta.versionId`, `meta.lastUpdated`). */
export function asSent(resource: Readonly<Record<string, unknown>>): SentResource {
  const { id: _id, meta, ...rest } = resource;
  if (typeof meta !== 'object' || meta === null) return rest;
  const { versionId: _v, lastUpdated: _l, ...kept } = meta as Record<string, unknown>;
  return Object.keys(kept).length > 0 ? { ...rest, meta: kept } : rest;
}

/** The internal patient id of `subject.reference` ("Patient/<UUID>"), lower-cased; undefined after an issue. */
export function subjectPatientId(reference: string, issue: (field: string, message: string) => void): string | undefined {
  const match = /^Patient\/(.+)$/.exec(reference);
  if (match && UUID.test(match[1]!)) return match[1]!.toLowerCase();
  issue('subject.reference', 'expected "Patient/<internal patient id (UUID)>"');
  return undefined;
}

/** The panel's components in canonical units, in the order received; every expected part must be present once. */
function panelComponents(obs: Parsed, expected: readonly { code: string; canonicalUnit: string; display: string }[], units: UnitConverter, issue: (field: string, message: string) => void): ComponentInput[] | undefined {
  const wanted = expected.map((c) => `${c.code} (${c.display})`).join(' and ');
  if (!obs.component || obs.component.length === 0) {
    issue('component', `required: ${wanted}`);
    return undefined;
  }
  const parts: ComponentInput[] = [];
  obs.component.forEach((component, i) => {
    const coding = component.code.coding.find((c) => c.system === LOINC && expected.some((e) => e.code === c.code));
    const part = coding && expected.find((e) => e.code === coding.code);
    if (!part) return issue(`component.${i}.code.coding`, `expected LOINC ${wanted}`);
    if (parts.some((p) => p.code === part.code)) return issue(`component.${i}.code.coding`, `${part.code} appears more than once`);
    const converted = canonicalQuantity(units, component.valueQuantity.value, component.valueQuantity.code, part.canonicalUnit, fhirElementPath(RESOURCE, `component.${i}.valueQuantity.code`));
    if (isUnitIssue(converted)) return issue(`component.${i}.valueQuantity.code`, converted.message);
    parts.push({ code: part.code, ...converted });
  });
  const missing = expected.filter((e) => !parts.some((p) => p.code === e.code) && !obs.component!.some((c) => c.code.coding.some((x) => x.code === e.code)));
  if (missing.length > 0) issue('component', `missing ${missing.map((m) => `${m.code} (${m.display})`).join(' and ')}`);
  return parts;
}

/**
 * The measuring device: `device.reference` to `Device/<id>`, `DeviceMetric/<id>` or to a contained Device (`#<id>`, whose identifier,
 * model, serial and manufacturer are kept), and/or `device.identifier`. The reference recorded is the
 * `Device/<id>`, or else the device identifier as `system|value`.
 */
export function deviceOf(obs: Pick<Parsed, 'device' | 'contained'>, issue: (field: string, message: string) => void): { reference?: string; details?: DeviceDetails } | undefined {
  const { reference, identifier } = obs.device!;
  if (reference === undefined && identifier === undefined) {
    issue('device', 'expected {"reference": "Device/<id>"}, {"reference": "#<contained Device id>"} or {"identifier": {...}}');
    return undefined;
  }
  let contained: z.infer<typeof ContainedDevice> | undefined;
  if (reference?.startsWith('#')) {
    contained = obs.contained?.find((d) => d.id === reference.slice(1));
    if (!contained) issue('device.reference', `no contained Device with id "${reference.slice(1)}"`);
  } else if (reference !== undefined && !/^(Device|DeviceMetric)\/[A-Za-z0-9\-.]{1,64}$/.test(reference)) issue('device.reference', 'expected "Device/<id>", "DeviceMetric/<id>" (R4 allows both) or "#<contained Device id>"');
  const id = identifier ?? contained?.identifier?.[0];
  const details: DeviceDetails = {
    ...(id ? { identifier: { system: id.system, value: id.value } } : {}),
    ...(contained?.modelNumber ? { model: contained.modelNumber } : {}),
    ...(contained?.serialNumber ? { serial: contained.serialNumber } : {}),
    ...(contained?.manufacturer ? { manufacturer: contained.manufacturer } : {}),
  };
  const recorded = reference && !reference.startsWith('#') ? reference : id ? `${id.system}|${id.value}` : undefined;
  return { ...(recorded ? { reference: recorded } : {}), ...(Object.keys(details).length > 0 ? { details } : {}) };
}
