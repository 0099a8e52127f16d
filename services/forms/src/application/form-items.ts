import type { Questionnaire, QuestionnaireItem } from '@medplum/fhirtypes';

import { walkItems } from '@varde/fhir';

export { containedValueSet, EXT, extensionsOf, MAX_REPEATS, optionsOf, UCUM, valueKeyOf, walkItems, weightOf } from '@varde/fhir';

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


/** The item with this linkId anywhere in the questionnaire. */
export function findItem(questionnaire: Questionnaire, linkId: string): QuestionnaireItem | undefined {
  for (const [item] of walkItems(questionnaire.item)) if (item.linkId === linkId) return item;
  return undefined;
}

