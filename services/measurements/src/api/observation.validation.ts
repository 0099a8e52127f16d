import { ValidationError, type FieldIssue } from '@varde/core';
import { z } from 'zod';
import { measurementTypeOf, MEASUREMENT_TYPES } from '../domain/measurement-codes';
import type { MeasurementInput } from '../application/record-measurement.handler';
import { fhirElementPath, parseResource } from '@varde/fhir';

const RESOURCE = 'Observation';
const UCUM = 'http://unitsofmeasure.org';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const accepted = MEASUREMENT_TYPES.flatMap((t) => t.codes.map((c) => `${t.system}|${c}`)).join(', ');

const Coding = z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() });

const ObservationBody = z
  .object({
    resourceType: z.literal(RESOURCE, { errorMap: () => ({ message: `expected "${RESOURCE}"` }) }),
    id: z.string().optional(),
    meta: z.unknown().optional(),
    identifier: z
      .array(z.object({ system: z.string({ required_error: 'required: the namespace of the identifier (a URI)' }), value: z.string({ required_error: 'required: the identifier' }).min(1), use: z.string().optional() }))
      .optional(),
    status: z.enum(['final', 'amended', 'corrected', 'preliminary'], { errorMap: () => ({ message: 'expected one of final, amended, corrected, preliminary' }) }),
    category: z.array(z.unknown()).optional(),
    code: z.object({ coding: z.array(Coding, { required_error: `required: a coding, one of ${accepted}` }), text: z.string().optional() }, { required_error: 'required: what was measured (code.coding)' }),
    subject: z.object({ reference: z.string({ required_error: 'required: "Patient/<patient id>"' }), display: z.string().optional() }, { required_error: 'required: {"reference": "Patient/<patient id>"}' }),
    effectiveDateTime: z.string({ required_error: 'required: when the measurement was taken (ISO 8601 date-time)' }).datetime({ offset: true, message: 'expected an ISO 8601 date-time with time zone, e.g. 2026-11-22T08:00:00+01:00' }),
    valueQuantity: z
      .object(
        {
          value: z.number({ required_error: 'required: the measured value', invalid_type_error: 'expected a JSON number, not a string' }).finite('expected a finite number'),
          unit: z.string({ required_error: 'required: "%"' }),
          system: z.literal(UCUM, { errorMap: () => ({ message: `expected "${UCUM}" (UCUM)` }) }),
          code: z.string({ required_error: 'required: the UCUM unit code, "%"' }),
        },
        { required_error: 'required: {"value": <number>, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}' },
      )
      .strict(),
    device: z.object({ reference: z.string({ required_error: 'required: "Device/<id>"' }), display: z.string().optional() }).optional(),
  })
  .strict();

/** A measurement that passed validation; the caller adds provenance. */
export type ValidObservation = Omit<MeasurementInput, 'provenance'> & { deviceReference?: string };

/**
 * Validates a FHIR R4 Observation of a measurement type Varde records (SpO2 today): known elements only,
 * LOINC code, a finite value in range in the canonical UCUM unit, taken not more than `maxFutureMs` ahead
 * of `now`, for an internal patient id.
 */
export function validateObservation(body: unknown, now: Date, maxFutureMs: number): ValidObservation {
  const obs = parseResource(ObservationBody, body, RESOURCE);
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string): void => void issues.push({ field: fhirElementPath(RESOURCE, field), message });

  const coding = obs.code.coding.find((c) => measurementTypeOf(c.system, c.code));
  const type = coding && measurementTypeOf(coding.system, coding.code);
  if (!type) issue('code.coding', `expected a coding of a recorded measurement type: ${accepted}`);
  const q = obs.valueQuantity;
  if (type) {
    if (q.code !== type.canonicalUnit) issue('valueQuantity.code', `expected "${type.canonicalUnit}"`);
    if (q.unit !== type.canonicalUnit) issue('valueQuantity.unit', `expected "${type.canonicalUnit}"`);
    if (q.value < type.min || q.value > type.max) issue('valueQuantity.value', `expected ${type.min} to ${type.max} ${type.canonicalUnit}`);
  }
  const reference = /^Patient\/(.+)$/.exec(obs.subject.reference);
  if (!reference || !UUID.test(reference[1]!)) issue('subject.reference', 'expected "Patient/<internal patient id (UUID)>"');
  if (Date.parse(obs.effectiveDateTime) > now.getTime() + maxFutureMs) issue('effectiveDateTime', `is more than ${Math.round(maxFutureMs / 1000)} s in the future`);
  if (obs.device && !/^Device\/[A-Za-z0-9\-.]{1,64}$/.test(obs.device.reference)) issue('device.reference', 'expected "Device/<id>"');
  if (issues.length > 0 || !coding || !reference) throw new ValidationError(issues);

  const identifier = obs.identifier?.[0];
  return {
    patientId: reference[1]!.toLowerCase(),
    observationStatus: obs.status,
    code: { system: coding.system!, code: coding.code! },
    originalValue: q.value,
    originalUnit: q.code,
    effectiveTime: new Date(obs.effectiveDateTime).toISOString(),
    ...(identifier ? { identifier: { system: identifier.system, value: identifier.value } } : {}),
    ...(obs.device ? { deviceReference: obs.device.reference } : {}),
  };
}
