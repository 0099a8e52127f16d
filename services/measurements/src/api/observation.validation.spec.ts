import { describe, expect, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { UcumUnitConverter } from '../infrastructure/ucum-unit-converter';
import { validateObservation } from './observation.validation';

const now = new Date('2026-11-22T08:00:00.000Z');
const context = { now, maxFutureMs: 300_000, units: new UcumUnitConverter() };
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
    validateObservation(body, context);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => i.field);
    throw error;
  }
  return [];
};

describe('validateObservation', () => {
  it('accepts an SpO2 Observation and normalises its time', () => {
    expect(validateObservation(spo2({ identifier: [{ system: 'urn:x', value: '1' }], device: { reference: 'Device/ox-1' } }), context)).toEqual({
      patientId: patient,
      observationStatus: 'final',
      code: { system: 'http://loinc.org', code: '2708-6' },
      value: 93,
      unit: '%',
      originalValue: 93,
      originalUnit: '%',
      effectiveTime: '2026-11-22T07:59:00.000Z',
      identifier: { system: 'urn:x', value: '1' },
      deviceReference: 'Device/ox-1',
      resource: spo2({ identifier: [{ system: 'urn:x', value: '1' }], device: { reference: 'Device/ox-1' } }),
    });
  });

  it('keeps the sent Observation less what the server assigns', () => {
    const sent = spo2({ id: 'client-id', meta: { versionId: '7', lastUpdated: '2026-01-01T00:00:00Z', source: 'urn:scale' }, note: [{ text: 'after a walk' }] });
    expect(validateObservation(sent, context).resource).toEqual(spo2({ meta: { source: 'urn:scale' }, note: [{ text: 'after a walk' }] }));
  });

  it.each([
    ['a day', { effectiveDateTime: '2026-11-21' }, '2026-11-20T23:00:00.000Z'],
    ['a month', { effectiveDateTime: '2026-10' }, '2026-09-30T22:00:00.000Z'],
    ['an instant', { effectiveDateTime: undefined, effectiveInstant: '2026-11-22T07:00:00.5Z' }, '2026-11-22T07:00:00.500Z'],
    ['a period', { effectiveDateTime: undefined, effectivePeriod: { start: '2026-11-22T06:00:00Z', end: '2026-11-22T07:00:00Z' } }, '2026-11-22T06:00:00.000Z'],
  ])('takes %s as the start of it, in Europe/Oslo when it has no time', (_name, change, effectiveTime) => {
    expect(validateObservation(spo2(change), context).effectiveTime).toBe(effectiveTime);
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
    ['a unit that is not UCUM', spo2({ valueQuantity: { ...quantity, code: 'percent' } }), 'Observation.valueQuantity.code'],
    ['an incompatible unit', spo2({ valueQuantity: { ...quantity, code: 'kg' } }), 'Observation.valueQuantity.code'],
    ['93 as a 0–1 fraction', spo2({ valueQuantity: { ...quantity, code: '1' } }), 'Observation.valueQuantity.value'],
    ['a blood pressure without components', spo2({ code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, valueQuantity: undefined }), 'Observation.component'],
    ['components on a non-panel', spo2({ component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } }] }), 'Observation.component'],
    ['not UCUM', spo2({ valueQuantity: { ...quantity, system: 'http://example.org' } }), 'Observation.valueQuantity.system'],
    ['no value', spo2({ valueQuantity: undefined }), 'Observation.valueQuantity'],
    ['no subject', spo2({ subject: undefined }), 'Observation.subject'],
    ['subject not a patient id', spo2({ subject: { reference: 'Patient/15076500565' } }), 'Observation.subject.reference'],
    ['no time', spo2({ effectiveDateTime: undefined }), 'Observation.effectiveDateTime'],
    ['a date tomorrow', spo2({ effectiveDateTime: '2026-11-23' }), 'Observation.effectiveDateTime'],
    ['a date before 1900', spo2({ effectiveDateTime: '0001-01-01T00:00:00Z' }), 'Observation.effectiveDateTime'],
    ['ten minutes ahead', spo2({ effectiveDateTime: '2026-11-22T08:10:00Z' }), 'Observation.effectiveDateTime'],
    ['identifier without system', spo2({ identifier: [{ value: '1' }] }), 'Observation.identifier[0].system'],
    ['bad device reference', spo2({ device: { reference: 'http://evil/x y' } }), 'Observation.device.reference'],
  ])('refuses %s, naming %s', (_name, body, field) => {
    expect(fieldsOf(body)).toContain(field);
  });

  it('allows four minutes of clock drift', () => {
    expect(fieldsOf(spo2({ effectiveDateTime: '2026-11-22T08:04:00Z' }))).toEqual([]);
  });

  it('converts a 0–1 fraction to percent, keeping what was sent', () => {
    expect(validateObservation(spo2({ valueQuantity: { value: 0.93, system: 'http://unitsofmeasure.org', code: '1' } }), context)).toMatchObject({ value: 93, unit: '%', originalValue: 0.93, originalUnit: '1' });
  });

  it('says which unit was expected', () => {
    expect(() => validateObservation(spo2({ valueQuantity: { ...quantity, code: 'kg' } }), context)).toThrow(/convertible to "%"/);
  });

  it('takes a blood pressure panel from its components, systolic first', () => {
    const bp = spo2({
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      valueQuantity: undefined,
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 10, system: 'http://unitsofmeasure.org', code: 'kPa' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 130, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ],
    });
    expect(validateObservation(bp, context)).toMatchObject({
      code: { system: 'http://loinc.org', code: '85354-9' },
      value: 130,
      unit: 'mm[Hg]',
      components: [
        { code: '8462-4', value: 75.0063755419, unit: 'mm[Hg]', originalValue: 10, originalUnit: 'kPa' },
        { code: '8480-6', value: 130, unit: 'mm[Hg]', originalValue: 130, originalUnit: 'mm[Hg]' },
      ],
    });
  });

  it('refuses a systolic below the diastolic', () => {
    const bp = spo2({
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      valueQuantity: undefined,
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 90, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ],
    });
    expect(fieldsOf(bp)).toEqual(['Observation.component']);
  });

  it('keeps what a contained Device says about itself, identified by its identifier', () => {
    const observation = spo2({
      contained: [{ resourceType: 'Device', id: 'ox', identifier: [{ system: 'urn:ieee:eui64', value: '00-11' }], serialNumber: 'S1', modelNumber: 'M1' }],
      device: { reference: '#ox' },
    });
    expect(validateObservation(observation, context)).toMatchObject({ deviceReference: 'urn:ieee:eui64|00-11', device: { identifier: { system: 'urn:ieee:eui64', value: '00-11' }, serial: 'S1', model: 'M1' } });
  });
});
