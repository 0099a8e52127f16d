import { describe, expect, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { validateObservation } from './observation.validation';

const now = new Date('2026-11-22T08:00:00.000Z');
const patient = '2f1d0c8e-6a4b-4c1e-9d7a-3b5e8f0a1c2d';
const quantity = { value: 93, unit: '%', system: 'http://unitsofmeasure.org', code: '%' };
const spo2 = (overrides: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
  subject: { reference: `Patient/${patient}` },
  effectiveDateTime: '2026-11-22T08:59:00+01:00',
  valueQuantity: quantity,
  ...overrides,
});
const fieldsOf = (body: unknown): string[] => {
  try {
    validateObservation(body, now, 300_000);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => i.field);
    throw error;
  }
  return [];
};

describe('validateObservation', () => {
  it('accepts an SpO2 Observation and normalises its time', () => {
    expect(validateObservation(spo2({ identifier: [{ system: 'urn:x', value: '1' }], device: { reference: 'Device/ox-1' } }), now, 300_000)).toEqual({
      patientId: patient,
      observationStatus: 'final',
      code: { system: 'http://loinc.org', code: '2708-6' },
      originalValue: 93,
      originalUnit: '%',
      effectiveTime: '2026-11-22T07:59:00.000Z',
      identifier: { system: 'urn:x', value: '1' },
      deviceReference: 'Device/ox-1',
    });
  });

  it.each([
    ['not an object', 'hello', 'body'],
    ['wrong resourceType', spo2({ resourceType: 'Patient' }), 'Observation.resourceType'],
    ['unknown status', spo2({ status: 'registered' }), 'Observation.status'],
    ['no code', spo2({ code: undefined }), 'Observation.code'],
    ['not an SpO2 code', spo2({ code: { coding: [{ system: 'http://snomed.info/sct', code: '2708-6' }] } }), 'Observation.code.coding'],
    ['value as string', spo2({ valueQuantity: { ...quantity, value: '93' } }), 'Observation.valueQuantity.value'],
    ['value above 100', spo2({ valueQuantity: { ...quantity, value: 101 } }), 'Observation.valueQuantity.value'],
    ['value 1e308', spo2({ valueQuantity: { ...quantity, value: 1e308 } }), 'Observation.valueQuantity.value'],
    ['value Infinity', spo2({ valueQuantity: { ...quantity, value: Infinity } }), 'Observation.valueQuantity.value'],
    ['value NaN', spo2({ valueQuantity: { ...quantity, value: NaN } }), 'Observation.valueQuantity.value'],
    ['negative value', spo2({ valueQuantity: { ...quantity, value: -1 } }), 'Observation.valueQuantity.value'],
    ['wrong unit', spo2({ valueQuantity: { ...quantity, unit: 'percent' } }), 'Observation.valueQuantity.unit'],
    ['wrong unit code', spo2({ valueQuantity: { ...quantity, code: '1' } }), 'Observation.valueQuantity.code'],
    ['not UCUM', spo2({ valueQuantity: { ...quantity, system: 'http://example.org' } }), 'Observation.valueQuantity.system'],
    ['no value', spo2({ valueQuantity: undefined }), 'Observation.valueQuantity'],
    ['no subject', spo2({ subject: undefined }), 'Observation.subject'],
    ['subject not a patient id', spo2({ subject: { reference: 'Patient/15076500565' } }), 'Observation.subject.reference'],
    ['no time', spo2({ effectiveDateTime: undefined }), 'Observation.effectiveDateTime'],
    ['date only', spo2({ effectiveDateTime: '2026-11-22' }), 'Observation.effectiveDateTime'],
    ['ten minutes ahead', spo2({ effectiveDateTime: '2026-11-22T08:10:00Z' }), 'Observation.effectiveDateTime'],
    ['unknown top-level element', spo2({ valueString: '93' }), 'Observation'],
    ['identifier without system', spo2({ identifier: [{ value: '1' }] }), 'Observation.identifier[0].system'],
    ['bad device reference', spo2({ device: { reference: 'http://evil/x y' } }), 'Observation.device.reference'],
  ])('refuses %s, naming %s', (_name, body, field) => {
    expect(fieldsOf(body)).toContain(field);
  });

  it('allows four minutes of clock drift', () => {
    expect(fieldsOf(spo2({ effectiveDateTime: '2026-11-22T08:04:00Z' }))).toEqual([]);
  });
});
