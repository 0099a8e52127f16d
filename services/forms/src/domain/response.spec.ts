import { describe, expect, it } from 'vitest';
import { IllegalStateError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { CAT_QUESTIONNAIRE, SCORE_SYSTEM } from './questionnaire-catalogue';
import { responseDecider, type SubmitQuestionnaireResponse } from './response.decide';
import type { QuestionnaireResponseSubmitted } from './response.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'patient-1', role: 'patient' }, now: '2026-11-22T08:00:00.000Z' };
const answers = { cough: 3, phlegm: 2, 'chest-tightness': 1, breathlessness: 5, activities: 4, confidence: 0, sleep: 2, energy: 3 };
const submit = (overrides: Partial<SubmitQuestionnaireResponse['data']> = {}): SubmitQuestionnaireResponse => ({
  type: 'SubmitQuestionnaireResponse',
  data: { responseId: 'r-1', patientId: 'p-1', questionnaire: CAT_QUESTIONNAIRE, assigned: true, authoredAt: '2026-11-22T07:55:00.000Z', answers, ...overrides },
  metadata,
});
const submitted: QuestionnaireResponseSubmitted = {
  type: 'QuestionnaireResponseSubmitted',
  data: {
    responseId: 'r-1',
    patientId: 'p-1',
    questionnaireUrl: CAT_QUESTIONNAIRE.url,
    questionnaireVersion: '1',
    authoredAt: '2026-11-22T07:55:00.000Z',
    answers,
    scores: [{ code: { system: SCORE_SYSTEM, code: 'CAT' }, value: 20 }],
    submittedAt: metadata.now,
  },
};
const spec = deciderSpec(responseDecider);

describe('questionnaire response, when nothing was submitted', () => {
  it('records the response with the CAT total (sum of the eight items)', () => {
    spec.given([]).when(submit()).then([submitted]);
  });

  it('scores the extremes 0 and 40', () => {
    const all = (v: number) => Object.fromEntries(CAT_QUESTIONNAIRE.items.map((i) => [i.linkId, v]));
    for (const [v, total] of [[0, 0], [5, 40]] as const) {
      const [event] = responseDecider.decide(submit({ answers: all(v) }), responseDecider.initialState()) as QuestionnaireResponseSubmitted[];
      expect(event!.data.scores).toEqual([{ code: { system: SCORE_SYSTEM, code: 'CAT' }, value: total }]);
    }
  });

  it('refuses a questionnaire that is not assigned to the patient', () => {
    spec.given([]).when(submit({ assigned: false })).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('not assigned'));
  });

  it('refuses a missing or out-of-range answer', () => {
    spec.given([]).when(submit({ answers: { ...answers, sleep: 6 } })).thenThrows(ValidationError, (e) => expect(e.issues[0]!.field).toBe('sleep'));
    const { energy: _energy, ...missing } = answers;
    spec.given([]).when(submit({ answers: missing })).thenThrows(ValidationError, (e) => expect(e.issues[0]!.field).toBe('energy'));
  });
});

describe('questionnaire response, when it was submitted', () => {
  it('changes nothing when the same response is submitted again', () => {
    spec.given([submitted]).when(submit({ answers: { ...answers, cough: 0 } })).thenNothing();
  });
});
