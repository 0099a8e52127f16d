import type { Extension, Questionnaire, QuestionnaireItem } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { questionnaireDefinitionIssues } from './questionnaire-definition.check';
import { shippedQuestionnaires } from './shipped-questionnaires';

const form = (item: QuestionnaireItem[], extra: Partial<Questionnaire> = {}): Questionnaire => ({ resourceType: 'Questionnaire', status: 'draft', url: 'https://example.org/q/x', version: '1', item, ...extra });
const issuesOf = (q: Questionnaire): string[] => questionnaireDefinitionIssues(q).map((i) => `${i.field}: ${i.message}`);
const smoking: QuestionnaireItem = { linkId: 'smokes', type: 'boolean', text: 'Do you smoke?' };
const enableWhenExpression = (expression: string): Extension => ({ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath', expression } });
const cigarettes = (extra: Partial<QuestionnaireItem>): QuestionnaireItem => ({ linkId: 'cigarettes', type: 'integer', ...extra });

describe('questionnaire definitions', () => {
  it.each(shippedQuestionnaires().map((q) => [q.id, q] as const))('the shipped %s passes every check', (_id, q) => {
    expect(issuesOf(q)).toEqual([]);
  });

  it('accepts every R4 item type Varde supports, with enableWhen on each comparable type', () => {
    const types = ['boolean', 'decimal', 'integer', 'date', 'dateTime', 'time', 'string', 'text', 'quantity'] as const;
    const answers = { boolean: { answerBoolean: true }, decimal: { answerDecimal: 1.5 }, integer: { answerInteger: 2 }, date: { answerDate: '2026-01-01' }, dateTime: { answerDateTime: '2026-01-01T00:00:00Z' }, time: { answerTime: '08:00:00' }, string: { answerString: 'x' }, text: { answerString: 'x' }, quantity: { answerQuantity: { value: 1, system: 'http://unitsofmeasure.org', code: 'kg' } } };
    const items: QuestionnaireItem[] = types.flatMap((type) => [
      { linkId: type, type },
      { linkId: `${type}-follow-up`, type: 'display', text: 'shown when', enableWhen: [{ question: type, operator: type === 'boolean' ? '=' : '>=', ...answers[type] }] },
    ]);
    items.push({ linkId: 'group', type: 'group', item: [{ linkId: 'choice', type: 'choice', answerOption: [{ valueCoding: { system: 'urn:x', code: 'a' } }] }, { linkId: 'open', type: 'open-choice', answerValueSet: '#vs' }] });
    items.push({ linkId: 'any', type: 'string', enableBehavior: 'any', enableWhen: [{ question: 'choice', operator: '=', answerCoding: { system: 'urn:x', code: 'a' } }, { question: 'open', operator: 'exists', answerBoolean: true }] });
    const contained = [{ resourceType: 'ValueSet' as const, id: 'vs', status: 'active' as const, compose: { include: [{ system: 'urn:x', concept: [{ code: 'b' }] }] } }];
    expect(issuesOf(form(items, { contained }))).toEqual([]);
  });

  it('accepts an SDC enableWhenExpression that parses', () => {
    expect(issuesOf(form([smoking, cigarettes({ extension: [enableWhenExpression("%resource.item.where(linkId = 'smokes').answer.value = true")] })]))).toEqual([]);
  });

  it.each<[string, Questionnaire, string]>([
    ['duplicate linkIds', form([smoking, { ...smoking }]), 'Questionnaire.item[1].linkId: linkId "smokes" is used twice'],
    ['an enableWhen on an item that does not exist', form([{ linkId: 'a', type: 'string', enableWhen: [{ question: 'nope', operator: 'exists', answerBoolean: true }] }]), 'enableWhen names "nope", which is no item'],
    ['an enableWhen cycle', form([{ linkId: 'a', type: 'boolean', enableWhen: [{ question: 'b', operator: '=', answerBoolean: true }] }, { linkId: 'b', type: 'boolean', enableWhen: [{ question: 'a', operator: '=', answerBoolean: true }] }]), 'enableWhen cycle: a → b → a'],
    ['an enableWhen of an incompatible type', form([smoking, { linkId: 'n', type: 'integer', enableWhen: [{ question: 'smokes', operator: '=', answerInteger: 1 }] }]), '"smokes" is a boolean item; compare it with answerBoolean'],
    ['an ordered operator on a boolean', form([smoking, { linkId: 'n', type: 'integer', enableWhen: [{ question: 'smokes', operator: '>', answerBoolean: true }] }]), 'takes = or !='],
    ['two enableWhen without enableBehavior', form([smoking, { linkId: 'n', type: 'integer', enableWhen: [{ question: 'smokes', operator: '=', answerBoolean: true }, { question: 'smokes', operator: 'exists', answerBoolean: true }] }]), 'Questionnaire.item[1].enableBehavior: '],
    ['a FHIRPath expression that does not parse', form([{ linkId: 'total', type: 'integer', extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression', valueExpression: { language: 'text/fhirpath', expression: "%resource.item.where(linkId = 'a'" } }] }]), 'FHIRPath does not parse'],
    ['an enableWhenExpression that does not parse', form([smoking, cigarettes({ extension: [enableWhenExpression("%resource.item.where(linkId = 'smokes'")] })]), 'Questionnaire.item[1].extension: Questionnaire.item[1] (linkId "cigarettes"): sdc-questionnaire-enableWhenExpression: FHIRPath does not parse'],
    ['an enableWhenExpression in another language', form([smoking, cigarettes({ extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/cql', expression: 'true' } }] })]), 'expected language "text/fhirpath"'],
    ['enableWhen and an enableWhenExpression on one item', form([smoking, cigarettes({ enableWhen: [{ question: 'smokes', operator: '=', answerBoolean: true }], extension: [enableWhenExpression('true')] })]), 'Questionnaire.item[1].enableWhen: Questionnaire.item[1] (linkId "cigarettes"): give enableWhen or an enableWhenExpression, not both'],
    ['two enableWhenExpressions on one item', form([smoking, cigarettes({ extension: [enableWhenExpression('true'), enableWhenExpression('false')] })]), 'one enableWhenExpression at most'],
    ['a score whose expression does not parse', form([smoking], { extension: [{ url: 'https://varde.no/fhir/StructureDefinition/questionnaire-score', extension: [{ url: 'code', valueCoding: { system: 'urn:s', code: 'S' } }, { url: 'expression', valueExpression: { language: 'text/fhirpath', expression: 'sum(' } }] }] }), 'score S: FHIRPath does not parse'],
    ['an attachment item', form([{ linkId: 'photo', type: 'attachment' }]), 'attachment items are not supported'],
    ['an integer option on a choice of codes... in a boolean item', form([{ linkId: 'b', type: 'boolean', answerOption: [{ valueInteger: 1 }] }]), 'a boolean item has no answer options'],
    ['an option of the wrong type', form([{ linkId: 'n', type: 'integer', answerOption: [{ valueString: 'one' }] }]), 'an option of a integer item is one of valueInteger'],
    ['a choice without options', form([{ linkId: 'c', type: 'choice' }]), 'needs answerOption or answerValueSet'],
    ['an external value set', form([{ linkId: 'c', type: 'choice', answerValueSet: 'http://loinc.org/vs/LL358-3' }]), 'Varde resolves no external value sets'],
    ['no version', form([smoking], { version: undefined }), 'Questionnaire.version: required'],
  ])('refuses %s, naming the item', (_name, q, expected) => {
    expect(issuesOf(q).join('\n')).toContain(expected);
  });
});
