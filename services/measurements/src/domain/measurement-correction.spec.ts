import { describe, expect, it } from 'vitest';
import { IllegalStateError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { measurementCorrectionDecider, type CorrectMeasurement, type MarkEnteredInError } from './measurement-correction.decide';
import type { MeasurementCorrected, MeasurementEnteredInError, MeasurementRecorded } from './measurement.events';

const metadata: CommandMetadata = { commandId: 'c-2', correlationId: 'c-2', actor: { subject: 'clinician-1', role: 'clinician', organisation: 'ahus' }, now: '2026-11-22T09:00:00.000Z' };
const recorded: MeasurementRecorded = {
  type: 'MeasurementRecorded',
  data: {
    measurementId: 'm-1',
    patientId: 'p-1',
    observationStatus: 'final',
    effectiveTime: '2026-11-22T08:00:00.000Z',
    provenance: { method: 'patient' },
    code: { system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation' },
    value: 83,
    unit: '%',
    originalValue: 83,
    originalUnit: '%',
    receivedTime: '2026-11-22T08:00:05.000Z',
  },
};
const correct = (data: Partial<CorrectMeasurement['data']> = {}): CorrectMeasurement => ({ type: 'CorrectMeasurement', data: { measurementId: 'm-1', value: 93, unit: '%', reason: 'typo: 93, not 83', ...data }, metadata });
const markInError = (reason = 'measured on the wrong patient'): MarkEnteredInError => ({ type: 'MarkEnteredInError', data: { measurementId: 'm-1', reason }, metadata });
const note = { actor: { subject: 'clinician-1', role: 'clinician', organisation: 'ahus' }, correctedTime: metadata.now };
const about = { measurementId: 'm-1', patientId: 'p-1', code: recorded.data.code, effectiveTime: recorded.data.effectiveTime };
const corrected: MeasurementCorrected = {
  type: 'MeasurementCorrected',
  data: { ...about, value: 93, unit: '%', originalValue: 93, originalUnit: '%', previousValue: 83, previousUnit: '%', reason: 'typo: 93, not 83', ...note },
};
const inError: MeasurementEnteredInError = { type: 'MeasurementEnteredInError', data: { ...about, reason: 'measured on the wrong patient', ...note } };
const spec = deciderSpec(measurementCorrectionDecider);

describe('correcting a measurement, when nothing was recorded', () => {
  it('refuses: there is nothing to correct', () => {
    spec.given([]).when(correct()).thenThrows(IllegalStateError, (e) => expect(e.message).toBe('measurement m-1 does not exist, so it cannot be corrected'));
  });
});

describe('correcting a measurement, when it was recorded', () => {
  it('amends the value, keeping what it replaced, the reason and the actor', () => {
    spec.given([recorded]).when(correct()).then([corrected]);
  });

  it('marks it entered-in-error with the reason and the actor', () => {
    spec.given([recorded]).when(markInError()).then([inError]);
  });

  it('refuses an amendment to the same value', () => {
    spec.given([recorded]).when(correct({ value: 83 })).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('nothing to correct'));
  });

  it('refuses a correction without a reason', () => {
    spec.given([recorded]).when(correct({ reason: '  ' })).thenThrows(ValidationError, (e) => expect(e.message).toContain('reason'));
    spec.given([recorded]).when(markInError('')).thenThrows(ValidationError, (e) => expect(e.message).toContain('reason'));
  });

  it('refuses another unit than the canonical one', () => {
    spec.given([recorded]).when(correct({ unit: '1' })).thenThrows(ValidationError, (e) => expect(e.issues).toEqual([{ field: 'unit', message: 'a correction must be given in "%"' }]));
  });

  it('refuses an impossible value, as ingestion does', () => {
    spec.given([recorded]).when(correct({ value: 101 })).thenThrows(ValidationError);
  });
});

describe('correcting a measurement, when it was amended', () => {
  it('amends again, replacing the amended value', () => {
    spec
      .given([recorded, corrected])
      .when(correct({ value: 94, reason: 'read again from the device' }))
      .then([{ type: 'MeasurementCorrected', data: { ...corrected.data, value: 94, originalValue: 94, previousValue: 93, reason: 'read again from the device' } }]);
  });

  it('refuses the value it already has', () => {
    spec.given([recorded, corrected]).when(correct()).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('nothing to correct'));
  });
});

describe('correcting a measurement, when it was entered in error', () => {
  it('refuses both an amendment and marking it again', () => {
    spec.given([recorded, inError]).when(correct()).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('already entered-in-error'));
    spec.given([recorded, inError]).when(markInError()).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('already entered-in-error'));
  });
});
