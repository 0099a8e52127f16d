import { describe, expect, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { CAT_QUESTIONNAIRE } from '../domain/questionnaire-catalogue';
import { validateQuestionnaireResponse } from './questionnaire-response.validation';

const now = new Date('2026-11-22T08:00:00.000Z');
const patient = '2f1d0c8e-6a4b-4c1e-9d7a-3b5e8f0a1c2d';
const linkIds = CAT_QUESTIONNAIRE.items.map((i) => i.linkId);
const items = (values: unknown[] = [1, 2, 3, 4, 5, 0, 1, 2]) => linkIds.map((linkId, i) => ({ linkId, answer: [{ valueInteger: values[i] }] }));
const qr = (overrides: Record<string, unknown> = {}) => ({
  resourceType: 'QuestionnaireResponse',
  questionnaire: 'https://varde.no/fhir/Questionnaire/cat',
  status: 'completed',
  subject: { reference: `Patient/${patient}` },
  authored: '2026-11-22T07:30:00Z',
  item: items(),
  ...overrides,
});
const fieldsOf = (body: unknown): string[] => {
  try {
    validateQuestionnaireResponse(body, now);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => i.field);
    throw error;
  }
  return [];
};

describe('validateQuestionnaireResponse', () => {
  it('accepts a complete CAT response, with or without the version, and with coded answers', () => {
    expect(validateQuestionnaireResponse(qr(), now)).toMatchObject({ patientId: patient, questionnaire: CAT_QUESTIONNAIRE, authoredAt: '2026-11-22T07:30:00.000Z' });
    expect(fieldsOf(qr({ questionnaire: 'https://varde.no/fhir/Questionnaire/cat|1' }))).toEqual([]);
    const coded = linkIds.map((linkId) => ({ linkId, answer: [{ valueCoding: { code: '4' } }] }));
    expect(validateQuestionnaireResponse(qr({ item: coded }), now).answers).toEqual(Object.fromEntries(linkIds.map((l) => [l, 4])));
  });

  it.each([
    ['not an object', 42, 'body'],
    ['wrong resourceType', qr({ resourceType: 'Observation' }), 'QuestionnaireResponse.resourceType'],
    ['unknown questionnaire', qr({ questionnaire: 'https://varde.no/fhir/Questionnaire/cat|2' }), 'QuestionnaireResponse.questionnaire'],
    ['not completed', qr({ status: 'in-progress' }), 'QuestionnaireResponse.status'],
    ['no subject', qr({ subject: undefined }), 'QuestionnaireResponse.subject'],
    ['subject not a patient', qr({ subject: { reference: `Practitioner/${patient}` } }), 'QuestionnaireResponse.subject.reference'],
    ['no authored', qr({ authored: undefined }), 'QuestionnaireResponse.authored'],
    ['authored tomorrow', qr({ authored: '2026-11-23T08:00:00Z' }), 'QuestionnaireResponse.authored'],
    ['answer 6', qr({ item: items([1, 2, 3, 6, 5, 0, 1, 2]) }), 'QuestionnaireResponse.item[3].answer[0].valueInteger'],
    ['answer -1', qr({ item: items([-1, 2, 3, 4, 5, 0, 1, 2]) }), 'QuestionnaireResponse.item[0].answer[0].valueInteger'],
    ['answer 2.5', qr({ item: items([1, 2.5, 3, 4, 5, 0, 1, 2]) }), 'QuestionnaireResponse.item[1].answer[0].valueInteger'],
    ['answer as string', qr({ item: items([1, 2, '3', 4, 5, 0, 1, 2]) }), 'QuestionnaireResponse.item[2].answer[0].valueInteger'],
    ['coded answer "7"', qr({ item: [...items().slice(0, 7), { linkId: 'energy', answer: [{ valueCoding: { code: '7' } }] }] }), 'QuestionnaireResponse.item[7].answer[0].valueCoding.code'],
    ['two kinds of answer', qr({ item: [...items().slice(0, 7), { linkId: 'energy', answer: [{ valueInteger: 1, valueCoding: { code: '1' } }] }] }), 'QuestionnaireResponse.item[7].answer[0]'],
    ['two answers', qr({ item: [...items().slice(0, 7), { linkId: 'energy', answer: [{ valueInteger: 1 }, { valueInteger: 2 }] }] }), 'QuestionnaireResponse.item[7].answer'],
    ['a missing item', qr({ item: items().slice(0, 7) }), 'QuestionnaireResponse.item'],
    ['an unknown item', qr({ item: [...items(), { linkId: 'mood', answer: [{ valueInteger: 1 }] }] }), 'QuestionnaireResponse.item[8].linkId'],
    ['a repeated item', qr({ item: [...items(), items()[0]] }), 'QuestionnaireResponse.item[8].linkId'],
    ['an unknown element', qr({ basedOn: [] }), 'QuestionnaireResponse'],
  ])('refuses %s, naming %s', (_name, body, field) => {
    expect(fieldsOf(body)).toContain(field);
  });
});
