import type { Questionnaire, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { evaluateResponse } from './response-evaluation';
import { shippedQuestionnaires } from './shipped-questionnaires';

const shipped = Object.fromEntries(shippedQuestionnaires().map((q) => [q.id!, q])) as Record<string, Questionnaire>;
const LOINC = 'http://loinc.org';
/** LOINC answer list LL358-3, shared by PHQ-9 and GAD-7: 0 not at all … 3 nearly every day. */
const FREQUENCY = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];
const frequency = (prefix: string, values: number[]): QuestionnaireResponseItem[] => values.map((v, i) => ({ linkId: `${prefix}-${i + 1}`, answer: [{ valueCoding: { system: LOINC, code: FREQUENCY[v]! } }] }));
const scoreOf = (id: string, items: QuestionnaireResponseItem[]) => {
  const result = evaluateResponse(shipped[id]!, items, true);
  expect(result.issues).toEqual([]);
  return result.scores;
};

describe('shipped instruments, scored as published', () => {
  it('CAT: the sum of eight items 0–5 (0–40); 3,2,1,5,4,0,2,3 → 20 (medium impact, 10–20)', () => {
    const cat = ['cough', 'phlegm', 'chest-tightness', 'breathlessness', 'activities', 'confidence', 'sleep', 'energy'];
    const items = (values: number[]) => cat.map((linkId, i) => ({ linkId, answer: [{ valueInteger: values[i]! }] }));
    expect(scoreOf('cat', items([3, 2, 1, 5, 4, 0, 2, 3]))).toEqual([{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'CAT', display: 'CAT score' }, codings: [expect.objectContaining({ code: 'CAT' })], value: 20 }]);
    expect(scoreOf('cat', items([0, 0, 0, 0, 0, 0, 0, 0]))[0]!.value).toBe(0);
    expect(scoreOf('cat', items([5, 5, 5, 5, 5, 5, 5, 5]))[0]!.value).toBe(40);
  });

  // Kroenke, Spitzer & Williams (2001) and the PHQ instruction manual: item scores 0–3 summed over items 1–9
  // (0–27); item 10 (difficulty) is not scored. Severity cut-offs 5, 10, 15, 20.
  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 0, 0], 0],
    [[1, 1, 1, 1, 0, 0, 0, 0, 0], 4],
    [[1, 1, 1, 1, 1, 0, 0, 0, 0], 5],
    [[3, 3, 2, 2, 2, 1, 0, 0, 0], 13],
    [[3, 3, 3, 3, 3, 2, 2, 1, 0], 20],
    [[3, 3, 3, 3, 3, 3, 3, 3, 3], 27],
  ])('PHQ-9 %j → %i, coded LOINC 44261-6', (values, total) => {
    const items = [...frequency('phq9', values), { linkId: 'phq9-difficulty', answer: [{ valueCoding: { system: LOINC, code: 'LA6575-0' } }] }];
    const [score] = scoreOf('phq-9', items);
    expect(score!.value).toBe(total);
    expect(score!.code).toMatchObject({ code: 'PHQ-9' });
    expect(score!.codings).toContainEqual(expect.objectContaining({ system: LOINC, code: '44261-6' }));
  });

  // Spitzer et al. (2006): seven items 0–3 summed (0–21); cut-offs 5, 10, 15.
  it.each([
    [[0, 0, 0, 0, 0, 0, 0], 0],
    [[1, 1, 1, 1, 1, 0, 0], 5],
    [[2, 2, 2, 1, 1, 1, 1], 10],
    [[3, 3, 3, 3, 3, 3, 3], 21],
  ])('GAD-7 %j → %i, coded LOINC 70274-6', (values, total) => {
    const [score] = scoreOf('gad-7', frequency('gad7', values));
    expect(score!.value).toBe(total);
    expect(score!.codings).toContainEqual(expect.objectContaining({ system: LOINC, code: '70274-6' }));
  });

  it('mMRC: the grade of the statement chosen (0–4)', () => {
    const grade = (g: number) => [{ linkId: 'mmrc-grade', answer: [{ valueCoding: { system: 'https://varde.no/fhir/CodeSystem/mmrc', code: `grade-${g}` } }] }];
    expect([0, 1, 2, 3, 4].map((g) => scoreOf('mmrc', grade(g))[0]!.value)).toEqual([0, 1, 2, 3, 4]);
  });

  it('pre-visit: BMI calculated by the server (81 kg, 180 cm → 25.0), cigarettes asked only of smokers', () => {
    const body = (height: number, weight: number) => ({ linkId: 'body', item: [
      { linkId: 'height', answer: [{ valueQuantity: { value: height, system: 'http://unitsofmeasure.org', code: 'cm', unit: 'cm' } }] },
      { linkId: 'weight', answer: [{ valueQuantity: { value: weight, system: 'http://unitsofmeasure.org', code: 'kg', unit: 'kg' } }] },
      // A client's own BMI is replaced by the server's.
      { linkId: 'bmi', answer: [{ valueDecimal: 99 }] },
    ] });
    const smoker = { linkId: 'smoking', answer: [{ valueCoding: { system: 'http://snomed.info/sct', code: '77176002' } }] };
    const result = evaluateResponse(shipped['pre-visit']!, [body(180, 81), smoker, { linkId: 'cigarettes-per-day', answer: [{ valueInteger: 10 }] }], true);
    expect(result.issues).toEqual([]);
    expect(result.items[0]!.item!.find((i) => i.linkId === 'bmi')!.answer).toEqual([{ valueDecimal: 25 }]);
    const missing = evaluateResponse(shipped['pre-visit']!, [body(180, 81), smoker], true);
    expect(missing.issues.map((i) => i.message).join()).toContain('linkId "cigarettes-per-day" is required');
    const never = { linkId: 'smoking', answer: [{ valueCoding: { system: 'http://snomed.info/sct', code: '266919005' } }] };
    expect(evaluateResponse(shipped['pre-visit']!, [body(180, 81), never], true).issues).toEqual([]);
  });

  it('DHO PREM: five statements 1–5 summed (5–25), the comment free text', () => {
    const items = ['prem-safe', 'prem-contact', 'prem-response', 'prem-easy', 'prem-involved'].map((linkId, i) => ({ linkId, answer: [{ valueCoding: { system: 'https://varde.no/fhir/CodeSystem/agreement', code: String([5, 4, 4, 3, 5][i]) } }] }));
    expect(scoreOf('dho-prem', [...items, { linkId: 'comment', answer: [{ valueString: 'Good to be home.' }] }])[0]!.value).toBe(21);
  });
});
