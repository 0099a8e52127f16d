import { describe, expect, it } from 'vitest';
import { IllegalStateError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { responseDecider, type SaveQuestionnaireResponse } from './response.decide';
import type { QuestionnaireResponseAmended, QuestionnaireResponseSaved, QuestionnaireResponseSubmitted } from './response.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'patient-1', role: 'patient' }, now: '2026-11-22T08:00:00.000Z' };
const content = {
  responseId: 'r-1',
  patientId: 'p-1',
  questionnaireUrl: 'https://varde.no/fhir/Questionnaire/phq-9',
  questionnaireVersion: '1',
  authoredAt: '2026-11-22T07:55:00.000Z',
  answers: { 'phq9-1': 2 },
  items: [{ linkId: 'phq9-1', answer: [{ valueCoding: { code: 'LA6570-1' } }] }],
};
const scores = [{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'PHQ-9' }, value: 2 }];
const command = (status: SaveQuestionnaireResponse['data']['status'], overrides: Partial<SaveQuestionnaireResponse['data']> = {}): SaveQuestionnaireResponse => ({
  type: 'SaveQuestionnaireResponse',
  data: { ...content, status, assigned: true, answerable: true, scores: status === 'in-progress' ? [] : scores, ...overrides },
  metadata,
});
const other = { answers: { 'phq9-1': 3 }, items: [{ linkId: 'phq9-1', answer: [{ valueCoding: { code: 'LA6571-9' } }] }] };
const saved: QuestionnaireResponseSaved = { type: 'QuestionnaireResponseSaved', data: { ...content, savedAt: metadata.now } };
const submitted: QuestionnaireResponseSubmitted = { type: 'QuestionnaireResponseSubmitted', data: { ...content, scores, submittedAt: metadata.now } };
const amended: QuestionnaireResponseAmended = { type: 'QuestionnaireResponseAmended', data: { ...content, ...other, scores, amendedAt: metadata.now } };
const spec = deciderSpec(responseDecider);

describe('questionnaire response, when nothing was saved', () => {
  it('saves answers in progress', () => spec.given([]).when(command('in-progress')).then([saved]));
  it('records a completed response with its scores', () => spec.given([]).when(command('completed')).then([submitted]));
  it('refuses a questionnaire that is not assigned to the patient', () => spec.given([]).when(command('completed', { assigned: false })).thenThrows(IllegalStateError));
  it('refuses a retired version, started or completed (a state of the questionnaire: 409 naming the field)', () => {
    for (const status of ['in-progress', 'completed'] as const) {
      spec.given([]).when(command(status, { answerable: false })).thenThrows(IllegalStateError, (e) => {
        expect([e.field, e.message]).toEqual(['questionnaire', 'questionnaire: https://varde.no/fhir/Questionnaire/phq-9|1 is retired and can no longer be answered']);
      });
    }
  });
  it('cannot amend what was never completed', () => spec.given([]).when(command('amended')).thenThrows(IllegalStateError));
});

describe('questionnaire response, when in progress', () => {
  it('saves further answers, and nothing when they are the same', () => {
    spec.given([saved]).when(command('in-progress', other)).then([{ ...saved, data: { ...saved.data, ...other } }]);
    spec.given([saved]).when(command('in-progress')).thenNothing();
  });
  it('completes it', () => spec.given([saved]).when(command('completed')).then([submitted]));
  it('refuses another patient or another questionnaire version', () => {
    spec.given([saved]).when(command('completed', { patientId: 'p-2' })).thenThrows(IllegalStateError);
    spec.given([saved]).when(command('completed', { questionnaireVersion: '2' })).thenThrows(IllegalStateError);
  });
});

describe('questionnaire response, when completed', () => {
  it('changes nothing for the same answers again', () => spec.given([submitted]).when(command('completed')).thenNothing());
  it('refuses other answers sent as completed again (409): a correction is an amendment', () => spec.given([submitted]).when(command('completed', other)).thenThrows(IllegalStateError));
  it('records an amendment, keeping the first version in the stream', () => spec.given([submitted]).when(command('amended', other)).then([amended]));
  it('cannot go back to in progress', () => spec.given([submitted]).when(command('in-progress')).thenThrows(IllegalStateError));
  it('after its questionnaire is retired: amended, and a resend of the same answers changes nothing', () => {
    spec.given([submitted]).when(command('amended', { ...other, answerable: false })).then([amended]);
    spec.given([submitted]).when(command('completed', { answerable: false })).thenNothing();
  });
});
