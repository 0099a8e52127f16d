import type { IntegrationEvent } from '@varde/contracts';
import { describe, expect, it } from 'vitest';
import { forReceiver, publicEventOf } from './public-event-mapping';

const actor = { subject: 'clinician-1', role: 'clinician', organisation: '974589095', onBehalfOf: '', hprNumber: '' };
const at = new Date('2026-12-06T10:00:00.000Z');

describe('publicEventOf: what another trust is told of an internal event', () => {
  it('tells a form’s scores without the answers, the author or the FHIR copies', () => {
    const submitted: IntegrationEvent<'varde.forms.v1.QuestionnaireResponseSubmitted'> = {
      responseId: 'r-1', patientId: 'p-1', questionnaireUrl: 'https://varde.no/fhir/Questionnaire/cat', questionnaireVersion: '1', authoredAt: at, recordedAt: at,
      scores: [{ code: { system: 'https://varde.no/score', code: 'cat-total', display: 'CAT' }, value: 17 }], answers: [{ linkId: 'cough', value: 3 }], status: 'completed',
      observations: [{ observationId: 'o-1', code: undefined, value: 17, fhirJson: '{}' }], author: 'RelatedPerson/rp-1',
    };
    const told = publicEventOf('varde.forms.v1.QuestionnaireResponseSubmitted', submitted);
    expect(told).toEqual({
      type: 'varde.public.forms.v1.QuestionnaireScored',
      message: { patient: { patientId: 'p-1', nationalId: '' }, responseId: 'r-1', questionnaireUrl: 'https://varde.no/fhir/Questionnaire/cat', questionnaireVersion: '1', authoredAt: at, scores: [{ code: { system: 'https://varde.no/score', code: 'cat-total', display: 'CAT' }, value: 17 }], status: 'completed' },
    });
    expect(JSON.stringify(told)).not.toMatch(/cough|RelatedPerson|fhirJson/);
    expect(publicEventOf('varde.forms.v1.QuestionnaireResponseSubmitted', { ...submitted, scores: [] })).toBeUndefined();
  });

  it('tells a correction without who made it or why', () => {
    const corrected: IntegrationEvent<'varde.measurements.v1.MeasurementCorrected'> = {
      measurementId: 'm-1', patientId: 'p-1', code: undefined, value: 92, unit: '%', previousValue: 29, effectiveTime: at, correctedTime: at, reason: 'typo by nurse Hansen', actor,
    };
    const told = publicEventOf('varde.measurements.v1.MeasurementCorrected', corrected);
    expect(told?.message).toEqual({ patient: { patientId: 'p-1', nationalId: '' }, measurementId: 'm-1', value: 92, unit: '%', correctedTime: at });
    expect(JSON.stringify(told)).not.toMatch(/Hansen|clinician-1/);
  });

  it('adds the national id for one receiver without changing the event for the others', () => {
    const told = publicEventOf('varde.measurements.v1.MeasurementEnteredInError', { measurementId: 'm-1', patientId: 'p-1', code: undefined, effectiveTime: at, correctedTime: at, reason: 'wrong patient', actor })!;
    expect(forReceiver(told, '01017012345').message).toMatchObject({ patient: { patientId: 'p-1', nationalId: '01017012345' } });
    expect(told.message).toMatchObject({ patient: { patientId: 'p-1', nationalId: '' } });
  });
});
