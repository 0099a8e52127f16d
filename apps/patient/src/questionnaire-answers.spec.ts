import type { Questionnaire } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import * as engine from '@varde/fhir/src/questionnaire-expressions';
import { MAX_REPEATS } from '@varde/fhir/src/questionnaire-items';
import {
  answerKey,
  answersFromResponse,
  enabledItems,
  initialAnswers,
  instanceScope,
  problemsAtItems,
  responseItems,
  scoresOf,
  settledForm,
  unfinishedItems,
  withAnswer,
  withInstanceAdded,
  withInstanceRemoved,
  type FormAnswers,
} from './questionnaire-answers';

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
    expect(initialAnswers(questionnaire)).toEqual({ answers: { ref: [{ valueString: 'A-1' }] }, unconfirmed: [], instances: {} });
  });

  it('marks pre-filled answers to confirm, and a change or confirmation settles them', () => {
    const populated = answersFromResponse(questionnaire, { item: [{ linkId: 'body', item: [{ linkId: 'weight', answer: [{ ...weight, extension: [{ url: PREFILLED, valueReference: { reference: 'Observation/1' } }] }] }] }] });
    expect(populated.unconfirmed).toEqual(['weight']);
    expect(unfinishedItems(questionnaire, populated)).toEqual([
      { key: 'weight', problem: 'confirm' },
      { key: 'smoking', problem: 'required' },
    ]);
    expect(withAnswer(populated, 'weight', populated.answers['weight']!).unconfirmed).toEqual([]);
  });

  it('keeps a confirmation in the answer itself, so a draft resumed on another device asks for it no more', () => {
    const populated = answersFromResponse(questionnaire, { item: [{ linkId: 'body', item: [{ linkId: 'weight', answer: [{ ...weight, extension: [{ url: PREFILLED, valueReference: { reference: 'Observation/1' } }] }] }] }] });
    const confirmedHere = withAnswer(populated, 'weight', populated.answers['weight']!);
    const draft = { item: responseItems(questionnaire, confirmedHere) };
    // What forms stores and the next device reads back: still marked pre-filled (where it came from), and confirmed.
    const sentWeight = draft.item.find((i) => i.linkId === 'body')!.item!.find((i) => i.linkId === 'weight')!.answer![0]!;
    expect(sentWeight.extension).toEqual([{ url: PREFILLED, valueReference: { reference: 'Observation/1' } }, { url: `${PREFILLED}-confirmed`, valueBoolean: true }]);
    expect(answersFromResponse(questionnaire, draft).unconfirmed).toEqual([]);
    // Confirming again adds nothing; an answer the patient typed carries no mark at all.
    expect(withAnswer(confirmedHere, 'weight', confirmedHere.answers['weight']!).answers['weight']).toEqual(confirmedHere.answers['weight']);
    expect(withAnswer(populated, 'weight', [weight]).answers['weight']).toEqual([weight]);
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
        questionnaire,
        initialAnswers(questionnaire),
        [
          { field: 'QuestionnaireResponse.item[1].answer[0].valueInteger', message: 'linkId "cigarettes" (integer): expected a whole number' },
          { field: 'QuestionnaireResponse.item[0].item[0].answer[0].valueQuantity.code', message: 'expected the unit kg' },
          { field: 'QuestionnaireResponse.questionnaire', message: 'retired' },
        ],
        sent,
      ),
    ).toEqual([
      { key: 'cigarettes', message: 'linkId "cigarettes" (integer): expected a whole number' },
      { key: 'weight', message: 'expected the unit kg' },
      { key: undefined, message: 'retired' },
    ]);
  });

  it('reads the scores forms returns, named as the questionnaire names their codes', () => {
    const scored: Questionnaire = { ...questionnaire, extension: [{ url: 'https://varde.no/fhir/StructureDefinition/questionnaire-score', extension: [{ url: 'code', valueCoding: { system: 'urn:s', code: 'T', display: 'Total' } }] }] };
    const response = { resourceType: 'QuestionnaireResponse' as const, status: 'completed' as const, extension: [{ url: 'https://varde.no/fhir/StructureDefinition/questionnaire-score', extension: [{ url: 'code', valueCoding: { system: 'urn:s', code: 'T' } }, { url: 'value', valueDecimal: 13 }] }] };
    expect(scoresOf(scored, response)).toEqual([{ name: 'Total', value: 13 }]);
  });

  describe('a repeating group', () => {
    const group = {
      linkId: 'medicine',
      type: 'group' as const,
      text: 'Medicine',
      repeats: true,
      item: [
        { linkId: 'name', type: 'string' as const, required: true, text: 'Name' },
        { linkId: 'as-needed', type: 'boolean' as const },
        { linkId: 'max', type: 'integer' as const, required: true, enableWhen: [{ question: 'as-needed', operator: '=' as const, answerBoolean: true }] },
      ],
    };
    const medicines: Questionnaire = { resourceType: 'Questionnaire', status: 'active', url: 'https://example.org/m', version: '1', item: [group] };
    const at = (index: number, linkId: string) => answerKey(instanceScope('', group, index), linkId);
    const three = [
      ['Ventoline', true, 8],
      ['Spiriva', false, undefined],
      ['Atrovent', true, 4],
    ].reduce(
      (form, [name, asNeeded, max], i) => {
        let next = withAnswer(withAnswer(i > 0 ? withInstanceAdded(form, 'medicine') : form, at(i, 'name'), [{ valueString: name as string }]), at(i, 'as-needed'), [{ valueBoolean: asNeeded as boolean }]);
        if (max !== undefined) next = withAnswer(next, at(i, 'max'), [{ valueInteger: max as number }]);
        return next;
      },
      initialAnswers(medicines),
    );

    it('sends one item per instance, each enabled by its own answers', () => {
      expect(enabledItems(medicines, three).has(at(0, 'max'))).toBe(true);
      expect(enabledItems(medicines, three).has(at(1, 'max'))).toBe(false);
      expect(responseItems(medicines, three)).toEqual([
        { linkId: 'medicine', text: 'Medicine', item: [{ linkId: 'name', text: 'Name', answer: [{ valueString: 'Ventoline' }] }, { linkId: 'as-needed', answer: [{ valueBoolean: true }] }, { linkId: 'max', answer: [{ valueInteger: 8 }] }] },
        { linkId: 'medicine', text: 'Medicine', item: [{ linkId: 'name', text: 'Name', answer: [{ valueString: 'Spiriva' }] }, { linkId: 'as-needed', answer: [{ valueBoolean: false }] }] },
        { linkId: 'medicine', text: 'Medicine', item: [{ linkId: 'name', text: 'Name', answer: [{ valueString: 'Atrovent' }] }, { linkId: 'as-needed', answer: [{ valueBoolean: true }] }, { linkId: 'max', answer: [{ valueInteger: 4 }] }] },
      ]);
    });

    it('removes an instance and moves the later ones up; reads a response back into the same instances', () => {
      const two = withInstanceRemoved(three, '', group, 1);
      expect(responseItems(medicines, two).map((i) => i.item?.[0]?.answer?.[0]?.valueString)).toEqual(['Ventoline', 'Atrovent']);
      expect(withInstanceRemoved(withInstanceRemoved(two, '', group, 0), '', group, 0).instances).toEqual({ medicine: 1 });
      expect(answersFromResponse(medicines, { item: responseItems(medicines, three) })).toEqual(three);
      const full = Array.from({ length: MAX_REPEATS + 5 }).reduce<FormAnswers>((form) => withInstanceAdded(form, 'medicine'), initialAnswers(medicines));
      expect(full.instances['medicine']).toBe(MAX_REPEATS);
    });

    it('asks for the required answers of an instance begun, not of one left empty; places forms’ refusal in its instance', () => {
      const begun = withAnswer(withInstanceAdded(withInstanceAdded(initialAnswers(medicines), 'medicine'), 'medicine'), at(2, 'as-needed'), [{ valueBoolean: true }]);
      expect(unfinishedItems(medicines, begun)).toEqual([
        { key: at(2, 'name'), problem: 'required' },
        { key: at(2, 'max'), problem: 'required' },
      ]);
      const sent = responseItems(medicines, three);
      expect(problemsAtItems(medicines, three, [{ field: 'QuestionnaireResponse.item[2].item[2].answer[0].valueInteger', message: 'linkId "max" (integer): expected a whole number' }], sent)).toEqual([{ key: at(2, 'max'), message: 'linkId "max" (integer): expected a whole number' }]);
    });
  });

  it('answers the calculated items as the patient types, with forms’ own FHIRPath evaluation', () => {
    const calc = (expression: string) => [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression', valueExpression: { language: 'text/fhirpath' as const, expression } }];
    const bmi: Questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      url: 'https://example.org/bmi',
      version: '1',
      item: [
        { linkId: 'height', type: 'decimal' },
        { linkId: 'weight', type: 'decimal' },
        { linkId: 'bmi', type: 'decimal', readOnly: true, extension: calc("(%resource.item.where(linkId='weight').answer.value / (%resource.item.where(linkId='height').answer.value / 100).power(2)).round(1)") },
        { linkId: 'advice', type: 'string', enableWhen: [{ question: 'bmi', operator: '>', answerDecimal: 30 }] },
      ],
    };
    const typed = withAnswer(withAnswer(initialAnswers(bmi), 'height', [{ valueDecimal: 180 }]), 'weight', [{ valueDecimal: 100 }]);
    const shown = settledForm(bmi, typed, engine);
    expect(shown.form.answers['bmi']).toEqual([{ valueDecimal: 30.9 }]);
    expect(shown.enabled.has('advice')).toBe(true);
    expect(settledForm(bmi, withAnswer(shown.form, 'weight', []), engine).form.answers['bmi']).toBeUndefined();
  });

  it('calculates and enables per instance of a repeating group, as forms does, also behind an instance left empty', () => {
    const sdc = (kind: 'calculatedExpression' | 'enableWhenExpression', expression: string) => [{ url: `http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-${kind}`, valueExpression: { language: 'text/fhirpath' as const, expression } }];
    const weighing = {
      linkId: 'weighing',
      type: 'group' as const,
      repeats: true,
      item: [
        { linkId: 'weight', type: 'decimal' as const },
        { linkId: 'bmi', type: 'decimal' as const, readOnly: true, extension: sdc('calculatedExpression', "(item.where(linkId = 'weight').answer.value / 3.24).round(1)") },
        { linkId: 'advice', type: 'string' as const, extension: sdc('enableWhenExpression', "item.where(linkId = 'bmi').answer.value > 30") },
      ],
    };
    const log: Questionnaire = { resourceType: 'Questionnaire', status: 'active', url: 'https://example.org/weight-log', version: '1', item: [weighing] };
    const at = (index: number, linkId: string) => answerKey(instanceScope('', weighing, index), linkId);
    // Three instances; the first left empty (not sent), so the second is the first in the response.
    let form = withInstanceAdded(withInstanceAdded(initialAnswers(log), 'weighing'), 'weighing');
    form = withAnswer(withAnswer(form, at(1, 'weight'), [{ valueDecimal: 110 }]), at(2, 'weight'), [{ valueDecimal: 80 }]);
    const shown = settledForm(log, form, engine);
    expect([0, 1, 2].map((i) => shown.form.answers[at(i, 'bmi')])).toEqual([undefined, [{ valueDecimal: 34 }], [{ valueDecimal: 24.7 }]]);
    expect([0, 1, 2].map((i) => shown.enabled.has(at(i, 'advice')))).toEqual([false, true, false]);
  });

  describe('an SDC enableWhenExpression', () => {
    const when = (expression: string) => [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath' as const, expression } }];
    const answerOf = (linkId: string) => `%resource.repeat(item).where(linkId = '${linkId}').answer.value`;
    // why: asked when the patient slept little or woke often; detail: when "why" was answered at all (a chain).
    const sleep: Questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      url: 'https://example.org/sleep',
      version: '1',
      item: [
        { linkId: 'slept', type: 'decimal', required: true },
        { linkId: 'woke', type: 'integer', required: true },
        { linkId: 'why', type: 'string', required: true, extension: when(`${answerOf('slept')} < 5 or ${answerOf('woke')} > 3`) },
        { linkId: 'detail', type: 'text', required: true, extension: when(`${answerOf('why')}.exists()`) },
      ],
    };
    const typed = (slept: number, woke: number) => withAnswer(withAnswer(initialAnswers(sleep), 'slept', [{ valueDecimal: slept }]), 'woke', [{ valueInteger: woke }]);

    it('enables, asks for and sends the item as forms evaluates the expression', () => {
      expect(enabledItems(sleep, typed(4, 0), engine).has('why')).toBe(true);
      expect(unfinishedItems(sleep, typed(4, 0), engine)).toEqual([{ key: 'why', problem: 'required' }]);
      expect(enabledItems(sleep, typed(8, 1), engine).has('why')).toBe(false);
      expect(unfinishedItems(sleep, typed(8, 1), engine)).toEqual([]);
    });

    it('drops the answers of an item the expression disables, and of the items that only that answer enabled', () => {
      const answered = withAnswer(withAnswer(typed(4, 0), 'why', [{ valueString: 'pain' }]), 'detail', [{ valueString: 'knee' }]);
      expect(responseItems(sleep, answered, engine).map((i) => i.linkId)).toEqual(['slept', 'woke', 'why', 'detail']);
      // Slept well after all: "why" is disabled, so its answer is not sent, so "detail" (enabled by it) is not either.
      const rested = withAnswer(answered, 'slept', [{ valueDecimal: 8 }]);
      expect(responseItems(sleep, rested, engine).map((i) => i.linkId)).toEqual(['slept', 'woke']);
      expect(enabledItems(sleep, rested, engine).has('detail')).toBe(false);
    });
  });
});
