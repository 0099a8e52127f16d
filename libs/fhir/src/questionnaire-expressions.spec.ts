import type { Questionnaire, QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { enableWhenExpressions, withCalculatedAnswers } from './questionnaire-expressions';
import { EXT } from './questionnaire-items';

const expression = (url: string, text: string) => [{ url, valueExpression: { language: 'text/fhirpath' as const, expression: text } }];

// A weight log: each instance of the repeating group is one weighing, with its own BMI and, when above 30, advice.
const weighing: QuestionnaireItem = {
  linkId: 'weighing',
  type: 'group',
  repeats: true,
  item: [
    { linkId: 'weight', type: 'decimal' },
    { linkId: 'bmi', type: 'decimal', readOnly: true, extension: expression(EXT.calculatedExpression, "(item.where(linkId = 'weight').answer.value / (%height / 100).power(2)).round(1)") },
    { linkId: 'advice', type: 'string', extension: expression(EXT.enableWhenExpression, "item.where(linkId = 'bmi').answer.value > 30") },
  ],
};
const log: Questionnaire = {
  resourceType: 'Questionnaire',
  status: 'active',
  url: 'https://example.org/weight-log',
  version: '1',
  extension: [{ url: EXT.variable, valueExpression: { name: 'height', language: 'text/fhirpath', expression: "%resource.item.where(linkId = 'height').answer.value" } }],
  item: [
    { linkId: 'height', type: 'decimal' },
    weighing,
    { linkId: 'heaviest', type: 'decimal', readOnly: true, extension: expression(EXT.calculatedExpression, "%resource.item.where(linkId = 'weighing').item.where(linkId = 'weight').answer.value.max()") },
  ],
};
const instance = (weight: number): QuestionnaireResponseItem => ({ linkId: 'weighing', item: [{ linkId: 'weight', answer: [{ valueDecimal: weight }] }] });
const response = (...weights: number[]): QuestionnaireResponse => ({ resourceType: 'QuestionnaireResponse', status: 'completed', item: [{ linkId: 'height', answer: [{ valueDecimal: 180 }] }, ...weights.map(instance)] });
const answerIn = (item: QuestionnaireResponseItem | undefined, linkId: string) => item?.item?.find((i) => i.linkId === linkId)?.answer?.[0];

describe('FHIRPath in a repeating group (SDC, per instance)', () => {
  it('calculates an item in every instance of its group, each from that instance’s answers', () => {
    const calculated = withCalculatedAnswers(log, response(80, 110, 95));
    const instances = calculated.item!.filter((i) => i.linkId === 'weighing');
    expect(instances.map((i) => answerIn(i, 'bmi'))).toEqual([{ valueDecimal: 24.7 }, { valueDecimal: 34 }, { valueDecimal: 29.3 }]);
    // An item outside the group still reads the whole response.
    expect(calculated.item!.find((i) => i.linkId === 'heaviest')?.answer).toEqual([{ valueDecimal: 110 }]);
  });

  it('leaves unanswered the instance whose answers give the expression nothing', () => {
    const calculated = withCalculatedAnswers(log, { ...response(80), item: [...response(80).item!, { linkId: 'weighing', item: [] }] });
    expect(calculated.item!.filter((i) => i.linkId === 'weighing').map((i) => answerIn(i, 'bmi'))).toEqual([{ valueDecimal: 24.7 }, undefined]);
  });

  it('decides an enableWhenExpression per instance, with the instance as the focus', () => {
    const calculated = withCalculatedAnswers(log, response(80, 110));
    const [light, heavy] = calculated.item!.filter((i) => i.linkId === 'weighing');
    const enabled = enableWhenExpressions(log, calculated);
    const advice = weighing.item![2]!;
    expect(enabled(advice, light)).toBe(false);
    expect(enabled(advice, heavy)).toBe(true);
    // Without an instance the focus is the response, where the relative path finds no bmi: not enabled.
    expect(enabled(advice)).toBe(false);
  });
});
