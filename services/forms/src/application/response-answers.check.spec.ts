import type { Questionnaire, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MAX_REPEATS } from './form-items';
import { checkResponseAnswers } from './response-answers.check';

const q: Questionnaire = {
  resourceType: 'Questionnaire',
  status: 'active',
  url: 'https://example.org/q/diary',
  version: '2',
  item: [
    { linkId: 'pain', type: 'integer', required: true, answerOption: [0, 1, 2, 3].map((v) => ({ valueInteger: v })) },
    { linkId: 'where', type: 'string', required: true, repeats: true, maxLength: 20, enableWhen: [{ question: 'pain', operator: '>=', answerInteger: 2 }] },
    { linkId: 'fever', type: 'boolean' },
    { linkId: 'temperature', type: 'quantity', enableBehavior: 'any', enableWhen: [{ question: 'fever', operator: '=', answerBoolean: true }, { question: 'pain', operator: '=', answerInteger: 3 }], extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption', valueCoding: { system: 'http://unitsofmeasure.org', code: 'Cel' } }] },
    { linkId: 'mood', type: 'choice', answerOption: [{ valueCoding: { system: 'urn:mood', code: 'good' } }, { valueCoding: { system: 'urn:mood', code: 'bad' } }] },
    { linkId: 'when', type: 'dateTime' },
    { linkId: 'notes', type: 'group', enableWhen: [{ question: 'mood', operator: 'exists', answerBoolean: true }], item: [{ linkId: 'note', type: 'text', required: true }] },
  ],
};
const pain = (v: unknown): QuestionnaireResponseItem => ({ linkId: 'pain', answer: [{ valueInteger: v as number }] });
const issuesOf = (items: QuestionnaireResponseItem[], complete = true) => checkResponseAnswers(q, items, complete).issues.map((i) => `${i.field}: ${i.message}`);

describe('response answers', () => {
  it('accepts answers of every kind, enabled as the answers say (any / all)', () => {
    expect(issuesOf([pain(3), { linkId: 'where', answer: [{ valueString: 'knee' }, { valueString: 'back' }] }, { linkId: 'temperature', answer: [{ valueQuantity: { value: 38.2, system: 'http://unitsofmeasure.org', code: 'Cel' } }] }, { linkId: 'when', answer: [{ valueDateTime: '2026-11-22T08:00:00+01:00' }] }])).toEqual([]);
    expect(issuesOf([pain(0), { linkId: 'mood', answer: [{ valueCoding: { system: 'urn:mood', code: 'good' } }] }, { linkId: 'notes', item: [{ linkId: 'note', answer: [{ valueString: 'fine' }] }] }])).toEqual([]);
  });

  it('lets a draft (in progress) leave required items out', () => {
    expect(issuesOf([], false)).toEqual([]);
  });

  it('gives the numeric answers (scales) for triage', () => {
    expect(checkResponseAnswers(q, [pain(1)], true).numeric).toEqual({ pain: 1 });
  });

  it.each<[string, QuestionnaireResponseItem[], string]>([
    ['a string in an integer item', [pain('2')], 'QuestionnaireResponse.item[0].answer[0].valueInteger: linkId "pain" (integer): expected a whole number'],
    ['an integer not among the options', [pain(7)], 'QuestionnaireResponse.item[0].answer[0].valueInteger: linkId "pain" (integer): 7 is not one of the options'],
    ['a missing required answer', [], 'linkId "pain" is required'],
    ['a missing required answer that the answers enable', [pain(2)], 'linkId "where" is required'],
    ['an answer to a disabled item', [pain(0), { linkId: 'where', answer: [{ valueString: 'knee' }] }], 'linkId "where" is not enabled by the answers given (enabled when pain >= 2)'],
    ['an answer inside a disabled group', [pain(0), { linkId: 'notes', item: [{ linkId: 'note', answer: [{ valueString: 'x' }] }] }], 'linkId "notes" is not enabled'],
    ['a choice not among the options', [pain(0), { linkId: 'mood', answer: [{ valueCoding: { system: 'urn:mood', code: 'meh' } }] }], 'urn:mood|meh is not one of the options'],
    ['two answers to an item that does not repeat', [pain(0), { linkId: 'fever', answer: [{ valueBoolean: true }, { valueBoolean: false }] }], 'linkId "fever" takes one answer'],
    ['10 000 repeats', [pain(2), { linkId: 'where', answer: Array.from({ length: 10_000 }, () => ({ valueString: 'x' })) }], `10000 answers; at most ${MAX_REPEATS}`],
    ['text longer than maxLength', [pain(2), { linkId: 'where', answer: [{ valueString: 'x'.repeat(21) }] }], 'at most 20 characters'],
    ['a quantity in another unit', [pain(3), { linkId: 'temperature', answer: [{ valueQuantity: { value: 100, system: 'http://unitsofmeasure.org', code: '[degF]' } }] }], 'expected the unit Cel'],
    ['a quantity without UCUM', [pain(3), { linkId: 'temperature', answer: [{ valueQuantity: { value: 38, unit: 'C' } }] }], 'expected a UCUM unit'],
    ['a date-time without zone', [pain(0), { linkId: 'when', answer: [{ valueDateTime: '2026-11-22T08:00:00' }] }], 'expected a date-time with time zone'],
    ['an unknown linkId', [pain(0), { linkId: 'mystery', answer: [{ valueString: 'x' }] }], 'linkId "mystery" is no item of https://example.org/q/diary|2'],
    ['a wrong answer type', [pain(0), { linkId: 'fever', answer: [{ valueString: 'yes' }] }], 'expected valueBoolean, not valueString'],
  ])('refuses %s, naming the linkId and what was expected', (_name, items, expected) => {
    expect(issuesOf(items).join('\n')).toContain(expected);
  });

  describe('an SDC enableWhenExpression', () => {
    // Asked only when the two answers together say so: what one enableWhen cannot express.
    const sleep: Questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      url: 'https://example.org/q/sleep',
      version: '1',
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/variable', valueExpression: { name: 'slept', language: 'text/fhirpath', expression: "%resource.repeat(item).where(linkId = 'hours').answer.value" } }],
      item: [
        { linkId: 'hours', type: 'decimal', required: true },
        { linkId: 'woke', type: 'integer', required: true },
        {
          linkId: 'why',
          type: 'string',
          required: true,
          extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath', expression: "%slept < 5 or %resource.repeat(item).where(linkId = 'woke').answer.value > 3" } }],
        },
      ],
    };
    const answered = (hours: number, woke: number, why?: string): QuestionnaireResponseItem[] => [{ linkId: 'hours', answer: [{ valueDecimal: hours }] }, { linkId: 'woke', answer: [{ valueInteger: woke }] }, ...(why ? [{ linkId: 'why', answer: [{ valueString: why }] }] : [])];
    const issues = (items: QuestionnaireResponseItem[]) => checkResponseAnswers(sleep, items, true).issues.map((i) => `${i.field}: ${i.message}`);

    it('requires the item when the expression is true, through a variable or an answer', () => {
      expect(issues(answered(4, 0))).toEqual(['QuestionnaireResponse.item: linkId "why" is required and has no answer']);
      expect(issues(answered(8, 5))).toEqual(['QuestionnaireResponse.item: linkId "why" is required and has no answer']);
      expect(issues(answered(4, 0, 'pain'))).toEqual([]);
    });

    it('neither requires nor takes the item when the expression is false', () => {
      expect(issues(answered(8, 1))).toEqual([]);
      expect(issues(answered(8, 1, 'pain'))).toEqual([`QuestionnaireResponse.item[2]: linkId "why" is not enabled by the answers given (enabled when %slept < 5 or %resource.repeat(item).where(linkId = 'woke').answer.value > 3), so it must not be answered`]);
    });

    it('counts an expression that fails on the answers given as false', () => {
      // single() of two answers fails in FHIRPath (fhirpath.js throws "Expected single").
      const failing: Questionnaire = { ...sleep, extension: [], item: [sleep.item![0]!, { linkId: 'woke', type: 'integer' }, { linkId: 'why', type: 'string', required: true, extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath', expression: '%resource.repeat(item).answer.value.single() < 5' } }] }] };
      expect(checkResponseAnswers(failing, answered(4, 0), true).issues).toEqual([]);
      expect(checkResponseAnswers(failing, answered(4, 0).slice(0, 1), true).issues.map((i) => i.message)).toEqual(['linkId "why" is required and has no answer']);
    });
  });

  describe('a repeating group', () => {
    const medicines: Questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      url: 'https://example.org/q/medicines',
      version: '1',
      item: [
        {
          linkId: 'medicine',
          type: 'group',
          repeats: true,
          item: [
            { linkId: 'name', type: 'string', required: true },
            { linkId: 'as-needed', type: 'boolean' },
            { linkId: 'max-per-day', type: 'integer', required: true, enableWhen: [{ question: 'as-needed', operator: '=', answerBoolean: true }] },
          ],
        },
      ],
    };
    const instance = (name: string, asNeeded?: boolean, max?: number): QuestionnaireResponseItem => ({
      linkId: 'medicine',
      item: [{ linkId: 'name', answer: [{ valueString: name }] }, ...(asNeeded === undefined ? [] : [{ linkId: 'as-needed', answer: [{ valueBoolean: asNeeded }] }]), ...(max === undefined ? [] : [{ linkId: 'max-per-day', answer: [{ valueInteger: max }] }])],
    });
    const issues = (items: QuestionnaireResponseItem[]) => checkResponseAnswers(medicines, items, true).issues.map((i) => `${i.field}: ${i.message}`);

    it('evaluates enableWhen inside each instance against that instance’s answers', () => {
      expect(issues([instance('Ventoline', true, 8), instance('Spiriva', false)])).toEqual([]);
    });

    it('requires an enabled item in the instance that enables it, and refuses it in one that does not', () => {
      expect(issues([instance('Ventoline', true), instance('Spiriva', false)])).toEqual(['QuestionnaireResponse.item[0].item: linkId "max-per-day" is required and has no answer']);
      expect(issues([instance('Ventoline', true, 8), instance('Spiriva', false, 2)]).join('\n')).toContain('QuestionnaireResponse.item[1].item[2]: linkId "max-per-day" is not enabled');
    });

    it('decides an SDC enableWhenExpression in each instance on that instance (its focus), as enableWhen does', () => {
      const when = [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath' as const, expression: "item.where(linkId = 'as-needed').answer.value = true" } }];
      const group = medicines.item![0]!;
      const byExpression: Questionnaire = { ...medicines, item: [{ ...group, item: [group.item![0]!, group.item![1]!, { linkId: 'max-per-day', type: 'integer', required: true, extension: when }] }] };
      const check = (items: QuestionnaireResponseItem[]) => checkResponseAnswers(byExpression, items, true).issues.map((i) => `${i.field}: ${i.message}`);
      expect(check([instance('Ventoline', true, 8), instance('Spiriva', false)])).toEqual([]);
      expect(check([instance('Ventoline', true), instance('Spiriva', false)])).toEqual(['QuestionnaireResponse.item[0].item: linkId "max-per-day" is required and has no answer']);
      expect(check([instance('Spiriva', false), instance('Ventoline', true, 8)])).toEqual([]);
      expect(check([instance('Ventoline', true, 8), instance('Spiriva', false, 2)]).join('\n')).toContain('QuestionnaireResponse.item[1].item[2]: linkId "max-per-day" is not enabled');
    });

    it(`refuses more than ${MAX_REPEATS} instances`, () => {
      expect(issues(Array.from({ length: 10_000 }, () => instance('x')))).toEqual([`QuestionnaireResponse.item[${MAX_REPEATS}]: linkId "medicine": more than ${MAX_REPEATS} instances of a repeating group`]);
    });
  });
});
