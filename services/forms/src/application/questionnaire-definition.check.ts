import type { Questionnaire, QuestionnaireItem, QuestionnaireItemEnableWhen } from '@medplum/fhirtypes';
import type { FieldIssue } from '@varde/core';
import { expressionProblem } from '@varde/fhir';
import { ANSWER_KEYS, containedValueSet, EXT, extensionsOf, REFUSED_TYPES, valueKeyOf, walkItems } from './form-items';

const OPERATORS = ['exists', '=', '!=', '>', '<', '>=', '<='] as const;
const ORDERED_TYPES = new Set(['decimal', 'integer', 'date', 'dateTime', 'time', 'quantity', 'string', 'text']);
/** The `answer[x]` an enableWhen on a question of each type compares with: its answer type (numbers with either number type). */
const ENABLE_WHEN_KEYS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(ANSWER_KEYS)
    .filter(([, keys]) => keys.length > 0)
    .map(([type, keys]) => [type, type === 'decimal' || type === 'integer' ? ['answerDecimal', 'answerInteger'] : keys.map((k) => k.replace(/^value/, 'answer'))]),
);
const OPTION_TYPES = new Set(['choice', 'open-choice', 'integer', 'date', 'time', 'string']);
const EXPRESSION_EXTENSIONS = [EXT.calculatedExpression, EXT.initialExpression, EXT.enableWhenExpression, EXT.variable];

/**
 * What R4 and SDC ask of a Questionnaire that Varde will serve and score, beyond its structure: unique linkIds,
 * supported item types, enableWhen on an existing question of a compatible type and without cycles, answer
 * options that fit their item, FHIRPath that parses, scores with a code and an expression. Empty when fine.
 */
export function questionnaireDefinitionIssues(questionnaire: Questionnaire): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string) => void issues.push({ field, message });
  if (!questionnaire.url || !/^https?:\/\/\S+$/.test(questionnaire.url)) issue('Questionnaire.url', 'required: the canonical URL (http or https) every version of this form shares');
  if (questionnaire.url?.includes('|')) issue('Questionnaire.url', 'must not contain "|": the version goes in Questionnaire.version');
  if (!questionnaire.version) issue('Questionnaire.version', 'required: the business version, e.g. "1" (responses name url|version)');
  else if (questionnaire.version.includes('|')) issue('Questionnaire.version', 'must not contain "|"');
  if (!questionnaire.item?.length) issue('Questionnaire.item', 'required: at least one item');

  const byLinkId = new Map<string, [QuestionnaireItem, string]>();
  for (const [item, at] of walkItems(questionnaire.item)) {
    if (!item.linkId) issue(`${at}.linkId`, 'required');
    else if (byLinkId.has(item.linkId)) issue(`${at}.linkId`, `linkId "${item.linkId}" is used twice (also ${byLinkId.get(item.linkId)![1]}); every linkId must be unique`);
    else byLinkId.set(item.linkId, [item, at]);
  }

  for (const [item, at] of walkItems(questionnaire.item)) {
    const named = `${at} (linkId "${item.linkId}")`;
    const refused = REFUSED_TYPES[item.type];
    if (refused) issue(`${at}.type`, `${named}: ${refused}`);
    else if (!ANSWER_KEYS[item.type]) issue(`${at}.type`, `${named}: unknown item type "${item.type}"; expected one of ${Object.keys(ANSWER_KEYS).join(', ')}`);
    if (item.type === 'display' && (item.item?.length || item.required)) issue(at, `${named}: a display item has no children and is never required`);
    if (item.type === 'group' && !item.item?.length) issue(`${at}.item`, `${named}: a group needs at least one item`);
    if (item.maxLength !== undefined && !['string', 'text', 'open-choice'].includes(item.type)) issue(`${at}.maxLength`, `${named}: maxLength applies only to string, text and open-choice items`);
    checkOptions(questionnaire, item, at, named, issue);
    checkEnableWhen(item, at, named, byLinkId, issue);
    checkExpressions(item, at, named, issue);
    const allowed = ANSWER_KEYS[item.type] ?? [];
    (item.initial ?? []).forEach((initial, i) => {
      const key = valueKeyOf(initial);
      if (!key || !allowed.includes(key)) issue(`${at}.initial[${i}]`, `${named}: an initial value of a ${item.type} item is one of ${allowed.join(', ') || '(none)'}`);
    });
    if ((item.initial?.length ?? 0) > 1 && !item.repeats) issue(`${at}.initial`, `${named}: several initial values need "repeats": true`);
  }
  checkCycles(byLinkId, issue);
  checkQuestionnaireExpressions(questionnaire, issue);
  return issues;
}

type Issue = (field: string, message: string) => void;

function checkOptions(questionnaire: Questionnaire, item: QuestionnaireItem, at: string, named: string, issue: Issue): void {
  if (item.answerOption && item.answerValueSet) issue(at, `${named}: give answerOption or answerValueSet, not both`);
  if ((item.answerOption || item.answerValueSet) && !OPTION_TYPES.has(item.type)) issue(at, `${named}: a ${item.type} item has no answer options`);
  if ((item.type === 'choice' || item.type === 'open-choice') && !item.answerOption && !item.answerValueSet) issue(at, `${named}: a ${item.type} item needs answerOption or answerValueSet`);
  const allowed = item.type === 'choice' || item.type === 'open-choice' ? ['valueCoding', 'valueString', 'valueInteger', 'valueDate', 'valueTime'] : (ANSWER_KEYS[item.type] ?? []);
  (item.answerOption ?? []).forEach((option, i) => {
    const key = valueKeyOf(option);
    if (!key || !allowed.includes(key)) issue(`${at}.answerOption[${i}]`, `${named}: an option of a ${item.type} item is one of ${allowed.join(', ')}`);
    if (key === 'valueCoding' && !option.valueCoding?.code) issue(`${at}.answerOption[${i}].valueCoding.code`, `${named}: an option's coding needs a code`);
    for (const url of [EXT.ordinalValue, EXT.itemWeight]) {
      for (const ext of extensionsOf(option, url)) if (typeof ext.valueDecimal !== 'number') issue(`${at}.answerOption[${i}].extension`, `${named}: ${url} takes a valueDecimal`);
    }
  });
  if (item.answerValueSet && !containedValueSet(questionnaire, item.answerValueSet)) {
    issue(`${at}.answerValueSet`, `${named}: "${item.answerValueSet}" is not a contained ValueSet; Varde resolves no external value sets, so contain it and write "#<id>"`);
  }
  if (item.type === 'quantity') {
    extensionsOf(item, EXT.unitOption).forEach((ext) => {
      if (ext.valueCoding?.system !== 'http://unitsofmeasure.org' || !ext.valueCoding.code) issue(`${at}.extension`, `${named}: a unitOption is a UCUM coding (system http://unitsofmeasure.org)`);
    });
  }
}

function checkEnableWhen(item: QuestionnaireItem, at: string, named: string, byLinkId: Map<string, [QuestionnaireItem, string]>, issue: Issue): void {
  const conditions = item.enableWhen ?? [];
  if (conditions.length > 1 && !item.enableBehavior) issue(`${at}.enableBehavior`, `${named}: required ("all" or "any") when there is more than one enableWhen`);
  const expressions = extensionsOf(item, EXT.enableWhenExpression).length;
  if (expressions > 1) issue(`${at}.extension`, `${named}: one enableWhenExpression at most (write one FHIRPath condition)`);
  if (expressions > 0 && conditions.length > 0) issue(`${at}.enableWhen`, `${named}: give enableWhen or an enableWhenExpression, not both (SDC)`);
  conditions.forEach((condition: QuestionnaireItemEnableWhen, i) => {
    const where = `${at}.enableWhen[${i}]`;
    const target = byLinkId.get(condition.question)?.[0];
    if (!target) return issue(`${where}.question`, `${named}: enableWhen names "${condition.question}", which is no item of this questionnaire`);
    if (target === item) return issue(`${where}.question`, `${named}: an item cannot be enabled by its own answer`);
    if (!OPERATORS.includes(condition.operator)) return issue(`${where}.operator`, `${named}: expected one of ${OPERATORS.join(' ')}`);
    const key = valueKeyOf(condition, 'answer');
    if (!key) return issue(where, `${named}: expected exactly one answer[x]`);
    if (condition.operator === 'exists') {
      if (key !== 'answerBoolean') issue(`${where}.${key}`, `${named}: the "exists" operator takes answerBoolean`);
      return;
    }
    const keys = ENABLE_WHEN_KEYS[target.type];
    if (!keys) return issue(`${where}.question`, `${named}: "${condition.question}" is a ${target.type} item, which has no answer to compare`);
    if (!keys.includes(key)) return issue(`${where}.${key}`, `${named}: "${condition.question}" is a ${target.type} item; compare it with ${keys.join(' or ')}`);
    if (!['=', '!='].includes(condition.operator) && (!ORDERED_TYPES.has(target.type) || key === 'answerCoding' || key === 'answerBoolean')) {
      issue(`${where}.operator`, `${named}: "${condition.operator}" needs an ordered answer; "${condition.question}" (${target.type}) takes = or !=`);
    }
  });
}

function checkExpressions(item: QuestionnaireItem, at: string, named: string, issue: Issue): void {
  for (const url of EXPRESSION_EXTENSIONS) {
    extensionsOf(item, url).forEach((ext) => {
      const problem = expressionProblem(ext.valueExpression);
      if (problem) issue(`${at}.extension`, `${named}: ${url.split('/').pop()}: ${problem}`);
    });
  }
  if (extensionsOf(item, EXT.calculatedExpression).length > 0 && !['integer', 'decimal', 'boolean', 'string', 'text'].includes(item.type)) {
    issue(`${at}.type`, `${named}: a calculatedExpression fills integer, decimal, boolean, string or text items`);
  }
}

function checkQuestionnaireExpressions(questionnaire: Questionnaire, issue: Issue): void {
  extensionsOf(questionnaire, EXT.variable).forEach((ext, i) => {
    const problem = expressionProblem(ext.valueExpression) ?? (ext.valueExpression?.name ? undefined : 'a variable needs a name');
    if (problem) issue(`Questionnaire.extension[${i}]`, `variable: ${problem}`);
  });
  extensionsOf(questionnaire, EXT.score).forEach((ext, i) => {
    const codes = extensionsOf(ext, 'code');
    if (codes.length === 0 || codes.some((c) => !c.valueCoding?.system || !c.valueCoding.code)) issue(`Questionnaire.extension[${i}]`, 'a score needs at least one "code" sub-extension with a valueCoding (system and code)');
    const problem = expressionProblem(extensionsOf(ext, 'expression')[0]?.valueExpression);
    if (problem) issue(`Questionnaire.extension[${i}]`, `score ${codes[0]?.valueCoding?.code ?? ''}: ${problem}`);
  });
}

/** An enableWhen dependency cycle (a enabled by b, b by a) would leave neither ever answerable. */
function checkCycles(byLinkId: Map<string, [QuestionnaireItem, string]>, issue: Issue): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (linkId: string, trail: string[]): void => {
    if (state.get(linkId) === 'done') return;
    if (state.get(linkId) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(linkId)), linkId];
      const [, at] = byLinkId.get(linkId)!;
      return issue(`${at}.enableWhen`, `enableWhen cycle: ${cycle.join(' → ')}; no item of it could ever be enabled`);
    }
    state.set(linkId, 'visiting');
    for (const condition of byLinkId.get(linkId)?.[0].enableWhen ?? []) if (byLinkId.has(condition.question)) visit(condition.question, [...trail, linkId]);
    state.set(linkId, 'done');
  };
  for (const linkId of byLinkId.keys()) visit(linkId, []);
}
