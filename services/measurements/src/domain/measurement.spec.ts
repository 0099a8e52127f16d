import { describe, expect, it } from 'vitest';
import { IllegalStateError, ResentWithOtherContentError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { measurementDecider, type RecordMeasurement } from './measurement.decide';
import type { MeasurementRecorded } from './measurement.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'patient-1', role: 'patient' }, now: '2026-11-22T08:00:05.000Z' };
const record = (overrides: Partial<RecordMeasurement['data']> = {}): RecordMeasurement => ({
  type: 'RecordMeasurement',
  data: {
    measurementId: 'm-1',
    patientId: 'p-1',
    observationStatus: 'final',
    code: { system: 'http://loinc.org', code: '59408-5' },
    value: 93,
    unit: '%',
    originalValue: 93,
    originalUnit: '%',
    effectiveTime: '2026-11-22T08:00:00.000Z',
    identifier: { system: 'urn:oximeter', value: 'reading-1' },
    provenance: { method: 'device', deviceId: 'Device/ox-1' },
    ...overrides,
  },
  metadata,
});
const recorded: MeasurementRecorded = {
  type: 'MeasurementRecorded',
  data: {
    measurementId: 'm-1',
    patientId: 'p-1',
    observationStatus: 'final',
    effectiveTime: '2026-11-22T08:00:00.000Z',
    identifier: { system: 'urn:oximeter', value: 'reading-1' },
    provenance: { method: 'device', deviceId: 'Device/ox-1' },
    code: { system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation' },
    value: 93,
    unit: '%',
    originalValue: 93,
    originalUnit: '%',
    receivedTime: metadata.now,
    flags: [],
  },
};
const bp = (systolic: number, diastolic: number): Partial<RecordMeasurement['data']> => ({
  code: { system: 'http://loinc.org', code: '85354-9' },
  value: systolic,
  unit: 'mm[Hg]',
  originalValue: systolic,
  originalUnit: 'mm[Hg]',
  components: [
    { code: '8480-6', value: systolic, unit: 'mm[Hg]', originalValue: systolic, originalUnit: 'mm[Hg]' },
    { code: '8462-4', value: diastolic, unit: 'mm[Hg]', originalValue: diastolic, originalUnit: 'mm[Hg]' },
  ],
});
const spec = deciderSpec(measurementDecider);

describe('measurement, when nothing was recorded', () => {
  it('records SpO2 in percent with both times and its provenance', () => {
    spec.given([]).when(record()).then([recorded]);
  });

  it('records a converted weight in kg, keeping pounds as received', () => {
    const weight = { code: { system: 'http://loinc.org', code: '29463-7' }, value: 68.0388555, unit: 'kg', originalValue: 150, originalUnit: '[lb_av]' };
    spec
      .given([])
      .when(record(weight))
      .then([{ type: 'MeasurementRecorded', data: { ...recorded.data, ...weight, code: { ...weight.code, display: 'Body weight' } } }]);
  });

  it('flags a possible but unusual value for triage', () => {
    spec
      .given([])
      .when(record({ value: 84, originalValue: 84 }))
      .then([{ type: 'MeasurementRecorded', data: { ...recorded.data, value: 84, originalValue: 84, flags: ['unusual-low'] } }]);
  });

  it('records a blood pressure with both components, flagging a high systolic', () => {
    const { components, ...rest } = bp(225, 95);
    spec
      .given([])
      .when(record({ ...rest, components }))
      .then([
        {
          type: 'MeasurementRecorded',
          data: {
            ...recorded.data,
            ...rest,
            code: { system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' },
            flags: ['8480-6:unusual-high'],
            components: [
              { code: { system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }, value: 225, unit: 'mm[Hg]', originalValue: 225, originalUnit: 'mm[Hg]' },
              { code: { system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }, value: 95, unit: 'mm[Hg]', originalValue: 95, originalUnit: 'mm[Hg]' },
            ],
          },
        },
      ]);
  });

  it('refuses a systolic below the diastolic', () => {
    spec.given([]).when(record(bp(80, 90))).thenThrows(ValidationError, (e) => expect(e.issues[0]!.field).toBe('components'));
  });

  it('refuses a physically impossible value', () => {
    spec.given([]).when(record({ value: 101, originalValue: 101 })).thenThrows(ValidationError, (e) => expect(e.issues[0]!.field).toBe('value'));
  });

  it('refuses a value not in the canonical unit of its code', () => {
    spec.given([]).when(record({ code: { system: 'http://loinc.org', code: '8867-4' } })).thenThrows(ValidationError, (e) => expect(e.message).toContain('/min'));
  });

  it('refuses a code that is not LOINC', () => {
    spec.given([]).when(record({ code: { system: 'http://snomed.info/sct', code: '431314004' } })).thenThrows(ValidationError, (e) => expect(e.issues[0]!.field).toBe('code'));
  });
});

describe('measurement, when it was recorded', () => {
  it('changes nothing when the same measurement is sent again', () => {
    spec.given([recorded]).when(record()).thenNothing();
  });

  it('refuses the same identifier with other content, saying which fields differ', () => {
    spec
      .given([recorded])
      .when(record({ originalValue: 80, value: 80, effectiveTime: '2026-11-22T08:01:00.000Z' }))
      .thenThrows(ResentWithOtherContentError, (e) => {
        expect(e.field).toBe('identifier');
        expect(e.differences).toEqual([
          { field: 'effectiveTime', change: '"2026-11-22T08:00:00.000Z" → "2026-11-22T08:01:00.000Z"' },
          { field: 'value', change: '93 → 80' },
        ]);
      });
  });

  it('compares a resend on every field its content id is made of: another device serial differs too', () => {
    const fromOtherDevice = record({ provenance: { method: 'device', deviceId: 'Device/ox-1', device: { serial: 'SN-2' } } });
    spec.given([recorded]).when(fromOtherDevice).thenThrows(ResentWithOtherContentError, (e) => expect(e.differences).toEqual([{ field: 'device.serial', change: '"" → "SN-2"' }]));
  });

  it('refuses the same identifier for another patient', () => {
    spec.given([recorded]).when(record({ patientId: 'p-2' })).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('another patient'));
  });
});
