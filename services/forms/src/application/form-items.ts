import type { Extension, Questionnaire, QuestionnaireItem, QuestionnaireItemAnswerOption } from '@medplum/fhirtypes';

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
} as const;

/** UCUM, the only unit system a quantity answer may use. */
export const UCUM = 'http://unitsofmeasure.org';

/** Item types Varde accepts, and the answer `value[x]` each takes (groups and displays take none). */
export const ANSWER_KEYS: Readonly<Record<string, readonly string[]>> = {
  group: [],
  display: [],
  boolean: ['valueBoolean'],
  decimal: ['valueDecimal'],
  integer: ['valueInteger'],
  date: ['valueDate'],
  dateTime: ['valueDateTime'],
  time: ['valueTime'],
  string: ['valueString'],
  text: ['valueString'],
  choice: ['valueCoding', 'valueString', 'valueInteger', 'valueDate', 'valueTime'],
  'open-choice': ['valueCoding', 'valueString', 'valueInteger', 'valueDate', 'valueTime'],
  quantity: ['valueQuantity'],
};

/** Item types R4 defines that Varde refuses, and why. */
export const REFUSED_TYPES: Readonly<Record<string, string>> = {
  attachment: 'attachment items are not supported: Varde stores no files in responses; ask for a description (type "text") instead',
  reference: 'reference items are not supported: a patient cannot pick a resource; use a choice',
  url: 'url items are not supported; use type "string"',
  question: 'type "question" is not an R4 item type (it was STU3); use the answer type, e.g. "string"',
};

/** The most answers one repeating item may hold: far above any real form, far below a flood. */
export const MAX_REPEATS = 100;

/** Every item of a questionnaire (depth first) with its path of indexes, e.g. `item[2].item[0]`. */
export function* walkItems(items: readonly QuestionnaireItem[] | undefined, path = 'Questionnaire'): Generator<[QuestionnaireItem, string]> {
  for (const [i, item] of (items ?? []).entries()) {
    const at = `${path}.item[${i}]`;
    yield [item, at];
    yield* walkItems(item.item, at);
  }
}

/** The item with this linkId anywhere in the questionnaire. */
export function findItem(questionnaire: Questionnaire, linkId: string): QuestionnaireItem | undefined {
  for (const [item] of walkItems(questionnaire.item)) if (item.linkId === linkId) return item;
  return undefined;
}

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
