import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { describe, it } from 'vitest';
import { patientFactsDecider, type MeasurementNoted, type NoteMeasurement, type NoteResponse, type PatientFactsEvent, type ResponseNoted } from './patient-facts.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'varde-forms', role: 'system' }, now: '2026-12-06T08:00:00.000Z' };
const weight = (measurementId: string, value: number, effectiveTime: string): MeasurementNoted['data'] => ({
  patientId: 'p-1',
  measurementId,
  system: 'http://loinc.org',
  code: '29463-7',
  value,
  unit: 'kg',
  effectiveTime,
});
const response = (responseId: string, authoredAt: string): ResponseNoted['data'] => ({ patientId: 'p-1', questionnaireUrl: 'https://varde.no/fhir/Questionnaire/cat', responseId, authoredAt });
const noteMeasurement = (data: MeasurementNoted['data']): NoteMeasurement => ({ type: 'NoteMeasurement', data, metadata });
const noteResponse = (data: ResponseNoted['data']): NoteResponse => ({ type: 'NoteResponse', data, metadata });
const measurementNoted = (data: MeasurementNoted['data']): PatientFactsEvent => ({ type: 'MeasurementNoted', data });
const responseNoted = (data: ResponseNoted['data']): PatientFactsEvent => ({ type: 'ResponseNoted', data });
const spec = deciderSpec(patientFactsDecider);

describe('patient facts, when nothing is known', () => {
  it('notes the first measurement of a code and the first response to a questionnaire', () => {
    spec.given([]).when(noteMeasurement(weight('m-1', 80, '2026-12-05T07:00:00.000Z'))).then([measurementNoted(weight('m-1', 80, '2026-12-05T07:00:00.000Z'))]);
    spec.given([]).when(noteResponse(response('r-1', '2026-12-05T09:00:00.000Z'))).then([responseNoted(response('r-1', '2026-12-05T09:00:00.000Z'))]);
  });
});

describe('patient facts, when a measurement of the code is known', () => {
  const known = measurementNoted(weight('m-1', 80, '2026-12-05T07:00:00.000Z'));
  it('notes a newer one (what a form pre-fills from next)', () => {
    spec.given([known]).when(noteMeasurement(weight('m-2', 81, '2026-12-06T07:00:00.000Z'))).then([measurementNoted(weight('m-2', 81, '2026-12-06T07:00:00.000Z'))]);
  });
  it('ignores one taken earlier (a late upload) and the same one redelivered', () => {
    spec.given([known]).when(noteMeasurement(weight('m-0', 79, '2026-12-04T07:00:00.000Z'))).thenNothing();
    spec.given([known]).when(noteMeasurement(weight('m-1', 80, '2026-12-05T07:00:00.000Z'))).thenNothing();
  });
  it('notes a measurement of another code beside it', () => {
    const pulse = { ...weight('m-3', 72, '2026-12-04T07:00:00.000Z'), code: '8867-4', unit: '/min' };
    spec.given([known]).when(noteMeasurement(pulse)).then([measurementNoted(pulse)]);
  });
});

describe('patient facts, when a response to the questionnaire is known', () => {
  const known = responseNoted(response('r-1', '2026-12-05T09:00:00.000Z'));
  it('notes a later response as the previous answer', () => {
    spec.given([known]).when(noteResponse(response('r-2', '2026-12-06T09:00:00.000Z'))).then([responseNoted(response('r-2', '2026-12-06T09:00:00.000Z'))]);
  });
  it('ignores an earlier response and the same one noted again', () => {
    spec.given([known]).when(noteResponse(response('r-0', '2026-12-04T09:00:00.000Z'))).thenNothing();
    spec.given([known]).when(noteResponse(response('r-1', '2026-12-05T09:00:00.000Z'))).thenNothing();
  });
});
