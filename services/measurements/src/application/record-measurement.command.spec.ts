import { describe, expect, it } from 'vitest';
import { measurementIdOf, type MeasurementInput } from './record-measurement.command';

// Unidentified readings are stored under a hash of their content: the ids below are those of readings already
// recorded, so a resend must keep landing on them. These literals were produced by the code before the content
// list was defined once; they must never change.
const panel: MeasurementInput = {
  patientId: '3f6b1c9e-2a4d-4e8f-9b1a-7c5d2e0f4a61',
  observationStatus: 'final',
  code: { system: 'http://loinc.org', code: '85354-9' },
  value: 132,
  unit: 'mm[Hg]',
  originalValue: 17.6,
  originalUnit: 'kPa',
  effectiveTime: '2026-11-22T08:00:00.000Z',
  provenance: { method: 'device', deviceId: 'Device/omron-1', device: { serial: 'SN-0042', model: 'M7' } },
  components: [
    { code: '8480-6', value: 132, unit: 'mm[Hg]', originalValue: 17.6, originalUnit: 'kPa' },
    { code: '8462-4', value: 84, unit: 'mm[Hg]', originalValue: 11.2, originalUnit: 'kPa' },
  ],
};
const typedIn: MeasurementInput = {
  patientId: '3f6b1c9e-2a4d-4e8f-9b1a-7c5d2e0f4a61',
  observationStatus: 'final',
  code: { system: 'http://loinc.org', code: '59408-5' },
  value: 96,
  unit: '%',
  originalValue: 96,
  originalUnit: '%',
  effectiveTime: '2026-11-22T08:05:00.000Z',
  provenance: { method: 'patient' },
};

describe('measurementIdOf, for a reading without an identifier', () => {
  it('is the id its content always had: a panel from a device with a serial', () => {
    expect(measurementIdOf(panel)).toBe('8840c1f3-0467-5c4f-a886-6ffb54c414e4');
  });
  it('is the id its content always had: a typed-in value without device or components', () => {
    expect(measurementIdOf(typedIn)).toBe('1b2cb211-2559-5825-95c4-cf6570936eb3');
  });
  it('is the identifier\'s id when there is one', () => {
    expect(measurementIdOf({ ...typedIn, identifier: { system: 'urn:varde:test-scale', value: 'r-1' } })).toBe('379d2775-634c-51bd-aba8-5dbb3eac3a13');
  });
});
