import type { Extension, Questionnaire, QuestionnaireItem, QuestionnaireItemAnswerOption, QuestionnaireItemEnableWhen, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';

/*
 * FHIR R4 / SDC questionnaire items as forms checks them and the patient app renders them: one definition of the
 * extensions, answer options and enableWhen for the service and the browser (pure, no Node.js APIs).
 */

type Answer = QuestionnaireResponseItemAnswer;

/** SDC and core extension URLs forms understands. */
export const EXT = {
  calculatedExpression: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression',
  initialExpression: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-initialExpression',
  enableWhenExpression: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression',
  observationLinkPeriod: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationLinkPeriod',
  variable: 'http://hl7.org/fhir/StructureDefinition/variable',
  ordinalValue: 'http://hl7.org/fhir/StructureDefinition/ordinalValue',
  itemWeight: 'http://hl7.org/fhir/StructureDefinition/itemWeight',
  unitOption: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption',
  /** Varde's score definition on a Questionnaire: sub-extensions `code` (one or more Coding) and `expression` (FHIRPath). */
  score: 'https://varde.no/fhir/StructureDefinition/questionnaire-score',
  /** On an answer Varde filled in from what it knew (latest measurement, previous answer): the patient is to confirm it. */
  prefilled: 'https://varde.no/fhir/StructureDefinition/prefilled',
  /** Beside `prefilled` on an answer the patient confirmed (valueBoolean true): kept in the draft, so another device asks no more. */
  prefilledConfirmed: 'https://varde.no/fhir/StructureDefinition/prefilled-confirmed',
} as const;

/** UCUM, the only unit system a quantity answer may use. */
export const UCUM = 'http://unitsofmeasure.org';

/** The extensions with this URL. */
export const extensionsOf = (owner: { extension?: Extension[] } | undefined, url: string): Extension[] => (owner?.extension ?? []).filter((e) => e.url === url);

/** The ordinalValue (or itemWeight) of an answer option, if it has one. */
export function weightOf(option: QuestionnaireItemAnswerOption): number | undefined {
  const ext = [...extensionsOf(option, EXT.ordinalValue), ...extensionsOf(option, EXT.itemWeight), ...extensionsOf(option.valueCoding, EXT.ordinalValue), ...extensionsOf(option.valueCoding, EXT.itemWeight)][0];
  return ext?.valueDecimal ?? ext?.valueInteger;
}

/** The answer options of an item: its `answerOption`, or the concepts of the contained ValueSet its `answerValueSet` names. */
export function optionsOf(questionnaire: Questionnaire, item: QuestionnaireItem): QuestionnaireItemAnswerOption[] | undefined {
  if (item.answerOption) return item.answerOption;
  if (!item.answerValueSet) return undefined;
  const valueSet = containedValueSet(questionnaire, item.answerValueSet);
  if (!valueSet) return undefined;
  const fromExpansion = (valueSet.expansion?.contains ?? []).map((c) => ({ valueCoding: { system: c.system, code: c.code, display: c.display }, extension: c.extension }));
  const fromCompose = (valueSet.compose?.include ?? []).flatMap((inc) => (inc.concept ?? []).map((c) => ({ valueCoding: { system: inc.system, code: c.code, display: c.display }, extension: c.extension })));
  return [...fromExpansion, ...fromCompose];
}

/** The contained ValueSet a `#id` reference names. */
export function containedValueSet(questionnaire: Questionnaire, reference: string) {
  if (!reference.startsWith('#')) return undefined;
  const found = (questionnaire.contained ?? []).find((r) => r.resourceType === 'ValueSet' && r.id === reference.slice(1));
  return found?.resourceType === 'ValueSet' ? found : undefined;
}

/** The one `value[x]` key set on an answer-like object (answer, answerOption, initial), or undefined when none or several. */
export function valueKeyOf(value: object, prefix = 'value'): string | undefined {
  const keys = Object.keys(value).filter((k) => k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length)));
  return keys.length === 1 ? keys[0] : undefined;
}

/** Every answer in a response by its item's linkId, wherever it is nested (enableWhen names items, not paths). */
export function answersByLinkId(items: readonly QuestionnaireResponseItem[], into = new Map<string, Answer[]>()): Map<string, Answer[]> {
  for (const item of items) {
    if (item.answer?.length) into.set(item.linkId, [...(into.get(item.linkId) ?? []), ...item.answer]);
    answersByLinkId(item.item ?? [], into);
    for (const answer of item.answer ?? []) answersByLinkId(answer.item ?? [], into);
  }
  return into;
}

/**
 * Whether an item's SDC `enableWhenExpression` holds on the response — for an item inside a repeating group, in
 * `instance`, the response item of the group's instance it is in. It is built by `enableWhenExpressions`
 * (questionnaire-expressions, which loads the FHIRPath engine); the pure code here only calls it.
 */
export type EnableWhenExpressions = (item: QuestionnaireItem, instance?: QuestionnaireResponseItem) => boolean;

/** The FHIRPath of an item's SDC enableWhenExpression, if it has one. */
export const enableWhenExpressionOf = (item: QuestionnaireItem): string | undefined => extensionsOf(item, EXT.enableWhenExpression)[0]?.valueExpression?.expression;

/**
 * Whether an item is enabled by the response's answers: its SDC enableWhenExpression when it has one (evaluated by
 * `expressions`, in `instance` when the item is inside a repeating group; without them it counts as enabled), else
 * R4 enableWhen with enableBehavior (all when absent).
 */
export function isEnabled(item: QuestionnaireItem, answers: ReadonlyMap<string, readonly Answer[]>, expressions?: EnableWhenExpressions, instance?: QuestionnaireResponseItem): boolean {
  if (expressions && enableWhenExpressionOf(item) !== undefined) return expressions(item, instance);
  const conditions = item.enableWhen ?? [];
  if (conditions.length === 0) return true;
  const results = conditions.map((c) => conditionHolds(c, answers.get(c.question) ?? []));
  return item.enableBehavior === 'any' ? results.some(Boolean) : results.every(Boolean);
}

function conditionHolds(condition: QuestionnaireItemEnableWhen, answers: readonly Answer[]): boolean {
  if (condition.operator === 'exists') return (answers.length > 0) === condition.answerBoolean;
  const expected = comparableValue(condition.answerCoding ?? condition.answerQuantity ?? condition.answerBoolean ?? condition.answerDecimal ?? condition.answerInteger ?? condition.answerDate ?? condition.answerDateTime ?? condition.answerTime ?? condition.answerString);
  return answers.some((answer) => {
    const key = valueKeyOf(answer);
    const actual = comparableValue(key ? (answer as Record<string, unknown>)[key] : undefined);
    if (actual === undefined || expected === undefined) return false;
    switch (condition.operator) {
      case '=':
        return actual === expected;
      case '!=':
        return actual !== expected;
      case '>':
        return actual > expected;
      case '<':
        return actual < expected;
      case '>=':
        return actual >= expected;
      case '<=':
        return actual <= expected;
      default:
        return false;
    }
  });
}

/** A value reduced to something `===` and `<` compare: codings by code, quantities by value. */
export function comparableValue(value: unknown): string | number | boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') {
    const v = value as { code?: string; value?: number };
    return typeof v.value === 'number' ? v.value : v.code;
  }
  return value as string | number | boolean;
}


/** The most answers one repeating item (or instances of one repeating group) may hold: far above any real form, far below a flood. */
export const MAX_REPEATS = 100;

/** Every item of a questionnaire (depth first) with its path of indexes, e.g. `item[2].item[0]`. */
export function* walkItems(items: readonly QuestionnaireItem[] | undefined, path = 'Questionnaire'): Generator<[QuestionnaireItem, string]> {
  for (const [i, item] of (items ?? []).entries()) {
    const at = `${path}.item[${i}]`;
    yield [item, at];
    yield* walkItems(item.item, at);
  }
}

/** The linkIds of an item and every item nested under it. */
function linkIdsUnder(item: QuestionnaireItem, into = new Set<string>()): Set<string> {
  into.add(item.linkId);
  for (const child of item.item ?? []) linkIdsUnder(child, into);
  return into;
}

/**
 * The answers enableWhen sees inside one instance of a repeating group: an item of that group reads the answers of
 * the same instance (absent when this instance has none), any other item the answers around it. forms and the
 * patient app both evaluate enableWhen through this, so the browser hides exactly what forms would refuse.
 */
export function answersInInstance(around: ReadonlyMap<string, readonly Answer[]>, group: QuestionnaireItem, inInstance: ReadonlyMap<string, readonly Answer[]>): Map<string, readonly Answer[]> {
  const scoped = new Map(around);
  for (const linkId of linkIdsUnder(group)) {
    const given = inInstance.get(linkId);
    if (given?.length) scoped.set(linkId, given);
    else scoped.delete(linkId);
  }
  return scoped;
}
