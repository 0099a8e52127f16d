import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import type { Coding, Questionnaire, QuestionnaireItem, QuestionnaireItemAnswerOption, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import type { FieldIssue } from '@varde/core';
import { answersByLinkId, answersInInstance, comparableValue, enableWhenExpressionOf, enableWhenExpressions, isEnabled, type EnableWhenExpressions } from '@varde/fhir';
import { ANSWER_KEYS, EXT, extensionsOf, MAX_REPEATS, optionsOf, UCUM, valueKeyOf, walkItems, weightOf } from './form-items';

const DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const DATE_TIME = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?$/;
const INT32 = 2 ** 31;
// The library ships no types; measurements declares the conversion it uses, this is the validation forms uses.
const ucum = UcumLhcUtils.getInstance() as unknown as { validateUnitString(unit: string): { status: string } };

type Answer = QuestionnaireResponseItemAnswer;
type Issue = (field: string, message: string) => void;

/** What checking a response's answers found: problems, and every answer on a numeric scale by linkId (for triage). */
export type AnswerCheck = Readonly<{ issues: FieldIssue[]; numeric: Record<string, number> }>;

/**
 * Checks a response's items against the questionnaire version it names: every linkId known and in its place,
 * one answer unless the item repeats (at most {@link MAX_REPEATS}), each answer of the item's type and among its
 * options, no answer to a disabled item (enableWhen / enableBehavior or SDC enableWhenExpression, evaluated on this
 * response), and — when
 * `complete` — every enabled required item answered. Answers to calculated items are the server's (not checked).
 */
export function checkResponseAnswers(questionnaire: Questionnaire, items: readonly QuestionnaireResponseItem[] | undefined, complete: boolean): AnswerCheck {
  const issues: FieldIssue[] = [];
  const issue: Issue = (field, message) => void issues.push({ field, message });
  const answers = answersByLinkId(items ?? []);
  const numeric: Record<string, number> = {};
  const expressions = enableWhenExpressions(questionnaire, { resourceType: 'QuestionnaireResponse', status: complete ? 'completed' : 'in-progress', item: [...(items ?? [])] });
  checkLevel({ questionnaire, complete, expressions, numeric, issue }, questionnaire.item ?? [], items ?? [], 'QuestionnaireResponse', true, answers, undefined);
  return { issues, numeric };
}

/** What every level of one response's check shares. */
type Check = Readonly<{ questionnaire: Questionnaire; complete: boolean; expressions: EnableWhenExpressions; numeric: Record<string, number>; issue: Issue }>;

/**
 * Checks one level of items. `answers` are those enableWhen reads here, `instance` the instance of the nearest
 * repeating group this level is in (where an enableWhenExpression is evaluated), if any.
 */
function checkLevel(check: Check, definitions: readonly QuestionnaireItem[], items: readonly QuestionnaireResponseItem[], path: string, parentEnabled: boolean, answers: ReadonlyMap<string, readonly Answer[]>, instance: QuestionnaireResponseItem | undefined): void {
  const { questionnaire, complete, expressions, numeric, issue } = check;
  const enabledNow = (definition: QuestionnaireItem): boolean => isEnabled(definition, answers, expressions, instance);
  const seen = new Map<string, number>();
  items.forEach((entry, i) => {
    const at = `${path}.item[${i}]`;
    const definition = definitions.find((d) => d.linkId === entry.linkId);
    if (!definition) {
      const elsewhere = [...walkItems(questionnaire.item)].some(([d]) => d.linkId === entry.linkId);
      return issue(`${at}.linkId`, elsewhere ? `linkId "${entry.linkId}" belongs elsewhere in the questionnaire (inside another group or answer)` : `linkId "${entry.linkId}" is no item of ${questionnaire.url}|${questionnaire.version}; expected one of ${definitions.map((d) => d.linkId).join(', ')}`);
    }
    const count = (seen.get(entry.linkId) ?? 0) + 1;
    seen.set(entry.linkId, count);
    if (count > 1 && !(definition.type === 'group' && definition.repeats)) return issue(`${at}.linkId`, `linkId "${entry.linkId}" appears more than once; only a repeating group may`);
    const enabled = parentEnabled && enabledNow(definition);
    const hasContent = (entry.answer?.length ?? 0) > 0 || (entry.item?.length ?? 0) > 0;
    const calculated = extensionsOf(definition, EXT.calculatedExpression).length > 0;
    if (!enabled && hasContent && !calculated) return issue(at, `linkId "${entry.linkId}" is not enabled by the answers given (${describeEnableWhen(definition)}), so it must not be answered`);
    if (definition.type === 'group' || definition.type === 'display') {
      if (entry.answer?.length) return issue(`${at}.answer`, `linkId "${entry.linkId}" is a ${definition.type}, which takes no answer`);
      if (count > MAX_REPEATS) return count === MAX_REPEATS + 1 ? issue(`${at}`, `linkId "${entry.linkId}": more than ${MAX_REPEATS} instances of a repeating group`) : undefined;
      // Inside one instance of a repeating group, enableWhen reads that instance's answers.
      const scoped = definition.repeats ? answersInInstance(answers, definition, answersByLinkId(entry.item ?? [])) : answers;
      checkLevel(check, definition.item ?? [], entry.item ?? [], at, enabled, scoped, definition.repeats ? entry : instance);
      return;
    }
    if (entry.item?.length) issue(`${at}.item`, `linkId "${entry.linkId}": the items under a question go inside its answer (answer[].item)`);
    if (calculated) return;
    const given = entry.answer ?? [];
    if (given.length > MAX_REPEATS) return issue(`${at}.answer`, `linkId "${entry.linkId}": ${given.length} answers; at most ${MAX_REPEATS}`);
    if (given.length > 1 && !definition.repeats) return issue(`${at}.answer`, `linkId "${entry.linkId}" takes one answer (it does not repeat); ${given.length} were given`);
    given.forEach((answer, j) => {
      const value = checkAnswer(questionnaire, definition, answer, `${at}.answer[${j}]`, issue);
      if (value !== undefined && given.length === 1) numeric[entry.linkId] = value;
      if (answer.item?.length) checkLevel(check, definition.item ?? [], answer.item, `${at}.answer[${j}]`, enabled, answers, instance);
    });
  });
  if (!complete || !parentEnabled) return;
  for (const definition of definitions) {
    if (!definition.required || seen.has(definition.linkId) || !enabledNow(definition) || extensionsOf(definition, EXT.calculatedExpression).length > 0) continue;
    issue(`${path}.item`, `linkId "${definition.linkId}" is required${definition.text ? ` ("${definition.text.slice(0, 80)}")` : ''} and has no answer`);
  }
  for (const [index, entry] of items.entries()) {
    const definition = definitions.find((d) => d.linkId === entry.linkId);
    if (definition?.required && definition.type !== 'group' && !(entry.answer?.length) && enabledNow(definition) && !extensionsOf(definition, EXT.calculatedExpression).length) {
      issue(`${path}.item[${index}].answer`, `linkId "${definition.linkId}" is required and has no answer`);
    }
  }
}

/** Checks one answer against its item: type, options, units, lengths. Its value on a numeric scale, if it has one. */
function checkAnswer(questionnaire: Questionnaire, item: QuestionnaireItem, answer: Answer, at: string, issue: Issue): number | undefined {
  const allowed = ANSWER_KEYS[item.type] ?? [];
  const key = valueKeyOf(answer);
  const named = `linkId "${item.linkId}" (${item.type})`;
  if (!key) return void issue(at, `${named}: expected exactly one of ${allowed.join(', ')}`);
  if (!allowed.includes(key)) return void issue(`${at}.${key}`, `${named}: expected ${allowed.join(' or ')}, not ${key}`);
  const value = (answer as Record<string, unknown>)[key];
  const bad = (expected: string) => void issue(`${at}.${key}`, `${named}: expected ${expected}`);
  switch (key) {
    case 'valueBoolean':
      if (typeof value !== 'boolean') return bad('true or false');
      return undefined;
    case 'valueDecimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad('a number');
      return value;
    case 'valueInteger':
      if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) >= INT32) return bad('a whole number (a JSON number, not text)');
      break;
    case 'valueDate':
      if (typeof value !== 'string' || !DATE.test(value)) return bad('a date YYYY, YYYY-MM or YYYY-MM-DD');
      break;
    case 'valueDateTime':
      if (typeof value !== 'string' || !DATE_TIME.test(value)) return bad('a date-time with time zone, e.g. 2026-11-22T08:00:00+01:00 (or a date)');
      return undefined;
    case 'valueTime':
      if (typeof value !== 'string' || !TIME.test(value)) return bad('a time hh:mm:ss');
      break;
    case 'valueString':
      if (typeof value !== 'string' || value.trim() === '') return bad('non-empty text');
      if (item.maxLength !== undefined && value.length > item.maxLength) return bad(`at most ${item.maxLength} characters, not ${value.length}`);
      if (item.type === 'open-choice') return undefined;
      break;
    case 'valueQuantity':
      return checkQuantity(item, answer.valueQuantity, at, named, issue);
    case 'valueCoding':
      if (typeof answer.valueCoding?.code !== 'string') return bad('a coding with a code');
      break;
  }
  const options = optionsOf(questionnaire, item);
  if (!options) return typeof value === 'number' ? value : undefined;
  const option = options.find((o) => sameOption(o, key, value));
  if (!option) return void issue(`${at}.${key}`, `${named}: ${display(value)} is not one of the options: ${options.map((o) => display(o.valueCoding ?? o.valueString ?? o.valueInteger ?? o.valueDate ?? o.valueTime)).join(', ')}`);
  return weightOf(option) ?? (typeof value === 'number' ? value : undefined);
}

function checkQuantity(item: QuestionnaireItem, quantity: Answer['valueQuantity'], at: string, named: string, issue: Issue): number | undefined {
  if (typeof quantity?.value !== 'number' || !Number.isFinite(quantity.value)) return void issue(`${at}.valueQuantity.value`, `${named}: expected a number`);
  if (quantity.system !== UCUM || !quantity.code) return void issue(`${at}.valueQuantity`, `${named}: expected a UCUM unit (system "${UCUM}" and a code, e.g. "kg")`);
  if (ucum.validateUnitString(quantity.code).status !== 'valid') return void issue(`${at}.valueQuantity.code`, `${named}: "${quantity.code}" is not a UCUM unit`);
  const units = extensionsOf(item, EXT.unitOption).map((e) => e.valueCoding?.code);
  if (units.length > 0 && !units.includes(quantity.code)) return void issue(`${at}.valueQuantity.code`, `${named}: expected the unit ${units.join(' or ')}, not "${quantity.code}"`);
  return quantity.value;
}

const display = (value: unknown): string => (typeof value === 'object' && value !== null ? `${(value as Coding).system ?? ''}|${(value as Coding).code ?? ''}` : JSON.stringify(value));

function sameOption(option: QuestionnaireItemAnswerOption, key: string, value: unknown): boolean {
  if (key !== 'valueCoding') return (option as Record<string, unknown>)[key] === value;
  const given = value as Coding;
  const offered = option.valueCoding;
  return offered !== undefined && offered.code === given.code && (given.system === undefined || offered.system === undefined || offered.system === given.system);
}

function describeEnableWhen(item: QuestionnaireItem): string {
  const expression = enableWhenExpressionOf(item);
  if (expression !== undefined) return `enabled when ${expression}`;
  const conditions = (item.enableWhen ?? []).map((c) => `${c.question} ${c.operator} ${display(comparableValue(c.answerCoding ?? c.answerQuantity ?? c.answerBoolean ?? c.answerDecimal ?? c.answerInteger ?? c.answerDate ?? c.answerDateTime ?? c.answerTime ?? c.answerString))}`);
  return conditions.length ? `enabled when ${conditions.join(item.enableBehavior === 'any' ? ' or ' : ' and ')}` : 'inside a disabled group';
}
