import type { Questionnaire } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { answersFromResponse, enabledItems, initialAnswers, problemsAtItems, responseItems, scoresOf, unfinishedItems, withAnswer } from './questionnaire-answers';

const PREFILLED = 'https://varde.no/fhir/StructureDefinition/prefilled';
const SMOKER = { system: 'http://snomed.info/sct', code: '77176002' };

const questionnaire: Questionnaire = {
  resourceType: 'Questionnaire',
  status: 'active',
  url: 'https://example.org/q',
  version: '1',
  item: [
    { linkId: 'intro', type: 'display', text: 'Hello' },
    {
      linkId: 'body',
      type: 'group',
      item: [
        { linkId: 'weight', type: 'quantity', required: true },
        { linkId: 'bmi', type: 'decimal', readOnly: true, extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression', valueExpression: { language: 'text/fhirpath', expression: '1' } }] },
      ],
    },
    { linkId: 'smoking', type: 'choice', required: true, answerOption: [{ valueCoding: SMOKER }] },
    { linkId: 'cigarettes', type: 'integer', required: true, enableWhen: [{ question: 'smoking', operator: '=', answerCoding: SMOKER }] },
    { linkId: 'ref', type: 'string', readOnly: true, initial: [{ valueString: 'A-1' }] },
  ],
};
const weight = { valueQuantity: { value: 81, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } };

describe('the patient app’s questionnaire answers', () => {
  it('starts from the items’ initial values', () => {
    expect(initialAnswers(questionnaire)).toEqual({ answers: { ref: [{ valueString: 'A-1' }] }, unconfirmed: [] });
  });

  it('marks pre-filled answers to confirm, and a change or confirmation settles them', () => {
    const populated = answersFromResponse(questionnaire, { item: [{ linkId: 'body', item: [{ linkId: 'weight', answer: [{ ...weight, extension: [{ url: PREFILLED, valueReference: { reference: 'Observation/1' } }] }] }] }] });
    expect(populated.unconfirmed).toEqual(['weight']);
    expect(unfinishedItems(questionnaire, populated)).toEqual([
      { linkId: 'weight', problem: 'confirm' },
      { linkId: 'smoking', problem: 'required' },
    ]);
    expect(withAnswer(populated, 'weight', populated.answers['weight']!).unconfirmed).toEqual([]);
  });

  it('enables a conditional item by its enableWhen, and neither asks for nor sends a disabled one', () => {
    const smoker = withAnswer(withAnswer(initialAnswers(questionnaire), 'smoking', [{ valueCoding: SMOKER }]), 'cigarettes', [{ valueInteger: 10 }]);
    expect(enabledItems(questionnaire, smoker).has('cigarettes')).toBe(true);
    const never = withAnswer(smoker, 'smoking', [{ valueCoding: { system: SMOKER.system, code: '266919005' } }]);
    expect(enabledItems(questionnaire, never).has('cigarettes')).toBe(false);
    expect(unfinishedItems(questionnaire, withAnswer(never, 'weight', [weight]))).toEqual([]);
    expect(responseItems(questionnaire, withAnswer(never, 'weight', [weight])).map((i) => i.linkId)).toEqual(['body', 'smoking', 'ref']);
  });

  it('nests answers in their groups as FHIR does, leaving out displays and calculated items', () => {
    const form = withAnswer(withAnswer(initialAnswers(questionnaire), 'weight', [weight]), 'bmi', [{ valueDecimal: 99 }]);
    expect(responseItems(questionnaire, form)).toEqual([
      { linkId: 'body', item: [{ linkId: 'weight', answer: [weight] }] },
      { linkId: 'ref', answer: [{ valueString: 'A-1' }] },
    ]);
  });

  it('places forms’ refusals at their item: by the linkId named, else by the location in the response sent', () => {
    const sent = responseItems(questionnaire, withAnswer(withAnswer(initialAnswers(questionnaire), 'weight', [weight]), 'smoking', [{ valueCoding: SMOKER }]));
    expect(
      problemsAtItems(
        [
          { field: 'QuestionnaireResponse.item[1].answer[0].valueInteger', message: 'linkId "cigarettes" (integer): expected a whole number' },
          { field: 'QuestionnaireResponse.item[0].item[0].answer[0].valueQuantity.code', message: 'expected the unit kg' },
          { field: 'QuestionnaireResponse.questionnaire', message: 'retired' },
        ],
        sent,
      ),
    ).toEqual([
      { linkId: 'cigarettes', message: 'linkId "cigarettes" (integer): expected a whole number' },
      { linkId: 'weight', message: 'expected the unit kg' },
      { linkId: undefined, message: 'retired' },
    ]);
  });

  it('reads the scores forms returns, named as the questionnaire names their codes', () => {
    const scored: Questionnaire = { ...questionnaire, extension: [{ url: 'https://varde.no/fhir/StructureDefinition/questionnaire-score', extension: [{ url: 'code', valueCoding: { system: 'urn:s', code: 'T', display: 'Total' } }] }] };
    const response = { resourceType: 'QuestionnaireResponse' as const, status: 'completed' as const, extension: [{ url: 'https://varde.no/fhir/StructureDefinition/questionnaire-score', extension: [{ url: 'code', valueCoding: { system: 'urn:s', code: 'T' } }, { url: 'value', valueDecimal: 13 }] }] };
    expect(scoresOf(scored, response)).toEqual([{ name: 'Total', value: 13 }]);
  });
});
