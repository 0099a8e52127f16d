import { describe, expect, it } from 'vitest';
import { IllegalStateError, type CommandMetadata } from '@varde/core';
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
  },
};
const spec = deciderSpec(measurementDecider);

describe('measurement, when nothing was recorded', () => {
  it('records SpO2 in percent with both times and its provenance', () => {
    spec.given([]).when(record()).then([recorded]);
  });

  it('refuses a code that is not a measurement type', () => {
    spec.given([]).when(record({ code: { system: 'http://loinc.org', code: '8867-4' } })).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('Observation.code'));
  });
});

describe('measurement, when it was recorded', () => {
  it('changes nothing when the same measurement is sent again', () => {
    spec.given([recorded]).when(record({ originalValue: 80 })).thenNothing();
  });

  it('refuses the same identifier for another patient', () => {
    spec.given([recorded]).when(record({ patientId: 'p-2' })).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('another patient'));
  });
});
