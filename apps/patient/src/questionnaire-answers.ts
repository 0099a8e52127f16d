import type { Questionnaire, QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import { EXT, extensionsOf, isEnabled } from '@varde/fhir/src/questionnaire-items';

/** One answer as the form holds it: a FHIR answer without nested items (nesting is rebuilt when sent). */
export type Answer = Omit<QuestionnaireResponseItemAnswer, 'item'>;

/**
 * What the patient has answered so far, by linkId (linkIds are unique in a questionnaire, and enableWhen names
 * items by linkId), and the pre-filled answers they have not yet confirmed or changed.
 */
export type FormAnswers = Readonly<{ answers: Readonly<Record<string, readonly Answer[]>>; unconfirmed: readonly string[] }>;

/** A problem with one item (its linkId), or with the form as a whole (linkId undefined). */
export type ItemProblem = Readonly<{ linkId?: string; message: string }>;

/** Whether the server calculates the item's answer (SDC calculatedExpression): the patient does not answer it. */
export const isCalculated = (item: QuestionnaireItem): boolean => extensionsOf(item, EXT.calculatedExpression).length > 0;

/** Whether an answer was pre-filled by Varde (from a measurement or an earlier answer) for the patient to confirm. */
const isPrefilled = (answer: QuestionnaireResponseItemAnswer): boolean => extensionsOf(answer, EXT.prefilled).length > 0;

/** Every item of the questionnaire, depth first. */
function* everyItem(items: readonly QuestionnaireItem[] | undefined): Generator<QuestionnaireItem> {
  for (const item of items ?? []) {
    yield item;
    yield* everyItem(item.item);
  }
}

/** The answers a questionnaire starts with: each item's `initial` values. */
export function initialAnswers(questionnaire: Questionnaire): FormAnswers {
  const answers: Record<string, Answer[]> = {};
  for (const item of everyItem(questionnaire.item)) if (item.initial?.length) answers[item.linkId] = item.initial.map((initial) => ({ ...initial }) as Answer);
  return { answers, unconfirmed: [] };
}

/**
 * The answers of a stored or pre-filled response (`$populate`, a draft), over the questionnaire's initial values;
 * answers carrying Varde's pre-filled mark are to be confirmed, unless `confirmed` lists them.
 */
export function answersFromResponse(questionnaire: Questionnaire, response: Pick<QuestionnaireResponse, 'item'>, confirmed: readonly string[] = []): FormAnswers {
  const answers: Record<string, readonly Answer[]> = { ...initialAnswers(questionnaire).answers };
  const unconfirmed: string[] = [];
  const visit = (items: readonly QuestionnaireResponseItem[] | undefined): void => {
    for (const entry of items ?? []) {
      if (entry.answer?.length) {
        answers[entry.linkId] = entry.answer.map(({ item: _nested, ...answer }) => answer);
        if (entry.answer.some(isPrefilled) && !confirmed.includes(entry.linkId)) unconfirmed.push(entry.linkId);
      }
      visit(entry.item);
      for (const answer of entry.answer ?? []) visit(answer.item);
    }
  };
  visit(response.item);
  return { answers, unconfirmed };
}

/** The answers after the patient changed one item: a change (or a confirmation) settles a pre-filled answer. */
export function withAnswer(form: FormAnswers, linkId: string, given: readonly Answer[]): FormAnswers {
  const answers = { ...form.answers };
  if (given.length === 0) delete answers[linkId];
  else answers[linkId] = given;
  return { answers, unconfirmed: form.unconfirmed.filter((id) => id !== linkId) };
}

/** The linkIds of the items the answers enable now (enableWhen with enableBehavior; a disabled group disables its items). */
export function enabledItems(questionnaire: Questionnaire, form: FormAnswers): ReadonlySet<string> {
  const byLinkId = new Map(Object.entries(form.answers));
  const enabled = new Set<string>();
  const visit = (items: readonly QuestionnaireItem[] | undefined): void => {
    for (const item of items ?? []) {
      if (!isEnabled(item, byLinkId)) continue;
      enabled.add(item.linkId);
      visit(item.item);
    }
  };
  visit(questionnaire.item);
  return enabled;
}

/**
 * The response's items as FHIR nests them, with only the answers to enabled items (an answer to a disabled item
 * is dropped, not sent: forms would refuse it) and none to calculated items (forms calculates them).
 */
export function responseItems(questionnaire: Questionnaire, form: FormAnswers): QuestionnaireResponseItem[] {
  const enabled = enabledItems(questionnaire, form);
  const build = (items: readonly QuestionnaireItem[] | undefined): QuestionnaireResponseItem[] =>
    (items ?? []).flatMap((item): QuestionnaireResponseItem[] => {
      if (!enabled.has(item.linkId) || item.type === 'display' || isCalculated(item)) return [];
      const text = item.text ? { text: item.text } : {};
      if (item.type === 'group') {
        const inner = build(item.item);
        return inner.length > 0 ? [{ linkId: item.linkId, ...text, item: inner }] : [];
      }
      const given = form.answers[item.linkId] ?? [];
      if (given.length === 0) return [];
      const nested = build(item.item);
      return [{ linkId: item.linkId, ...text, answer: given.map((answer, i) => (i === 0 && nested.length > 0 ? { ...answer, item: nested } : answer)) }];
    });
  return build(questionnaire.item);
}

/** What stops the form being sent, at its item: enabled required questions without an answer, pre-filled answers not confirmed. */
export function unfinishedItems(questionnaire: Questionnaire, form: FormAnswers): Array<{ linkId: string; problem: 'required' | 'confirm' }> {
  const enabled = enabledItems(questionnaire, form);
  const found: Array<{ linkId: string; problem: 'required' | 'confirm' }> = [];
  for (const item of everyItem(questionnaire.item)) {
    if (!enabled.has(item.linkId) || item.type === 'group' || item.type === 'display' || isCalculated(item)) continue;
    if (item.required && !(form.answers[item.linkId]?.length)) found.push({ linkId: item.linkId, problem: 'required' });
    else if (form.unconfirmed.includes(item.linkId)) found.push({ linkId: item.linkId, problem: 'confirm' });
  }
  return found;
}

/**
 * forms' refusal (OperationOutcome issues as `field` + `message`) placed at the items they name: by the linkId
 * forms writes in each message, else by the item the FHIRPath location points at in the response that was sent.
 */
export function problemsAtItems(fields: ReadonlyArray<{ field: string; message: string }>, sent: readonly QuestionnaireResponseItem[]): ItemProblem[] {
  return fields.map(({ field, message }) => {
    const named = /linkId "([^"]+)"/.exec(message)?.[1];
    return { linkId: named ?? linkIdAt(field, sent), message };
  });
}

/** The linkId at a location such as `QuestionnaireResponse.item[1].item[0].answer[0].valueInteger`. */
function linkIdAt(location: string, items: readonly QuestionnaireResponseItem[]): string | undefined {
  let level: readonly QuestionnaireResponseItem[] | undefined = items;
  let found: QuestionnaireResponseItem | undefined;
  for (const [, kind, index] of location.matchAll(/\.(item|answer)\[(\d+)\]/g)) {
    if (kind === 'item') {
      found = level?.[Number(index)];
      level = found?.item;
    } else {
      level = found?.answer?.[Number(index)]?.item;
    }
  }
  return found?.linkId;
}

/** A stored response's scores (forms' score extension), each with the name the questionnaire gives its code. */
export function scoresOf(questionnaire: Questionnaire, response: QuestionnaireResponse): Array<{ name: string; value: number }> {
  const names = new Map<string, string>();
  for (const score of extensionsOf(questionnaire, EXT.score)) {
    for (const code of extensionsOf(score, 'code')) if (code.valueCoding?.code) names.set(code.valueCoding.code, names.get(code.valueCoding.code) ?? code.valueCoding.display ?? code.valueCoding.code);
  }
  return extensionsOf(response, EXT.score).flatMap((score) => {
    const code = extensionsOf(score, 'code')[0]?.valueCoding?.code;
    const value = extensionsOf(score, 'value')[0]?.valueDecimal;
    return code !== undefined && value !== undefined ? [{ name: names.get(code) ?? code, value }] : [];
  });
}

/** The answers forms calculated (e.g. a BMI), by the item's text. */
export function calculatedAnswers(questionnaire: Questionnaire, response: QuestionnaireResponse): Array<{ name: string; value: string }> {
  const answers = answersFromResponse(questionnaire, response).answers;
  return [...everyItem(questionnaire.item)].filter(isCalculated).flatMap((item) => {
    const answer = answers[item.linkId]?.[0];
    const value = answer?.valueDecimal ?? answer?.valueInteger ?? answer?.valueString ?? answer?.valueQuantity?.value;
    return value !== undefined ? [{ name: item.text ?? item.linkId, value: String(value) }] : [];
  });
}
