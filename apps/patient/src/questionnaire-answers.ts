import type { Questionnaire, QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import type * as Expressions from '@varde/fhir/src/questionnaire-expressions';
import { answersInInstance, enableWhenExpressionOf, EXT, extensionsOf, isEnabled, MAX_REPEATS, type EnableWhenExpressions } from '@varde/fhir/src/questionnaire-items';

/** One answer as the form holds it: a FHIR answer without nested items (nesting is rebuilt when sent). */
export type Answer = Omit<QuestionnaireResponseItemAnswer, 'item'>;

/**
 * What the patient has answered so far, by answer key (see {@link answerKey}); the pre-filled answers they have not
 * yet confirmed or changed; and how many instances each repeating group has (by the group's key; one when absent).
 */
export type FormAnswers = Readonly<{ answers: Readonly<Record<string, readonly Answer[]>>; unconfirmed: readonly string[]; instances: Readonly<Record<string, number>> }>;

/** A problem with one item (its answer key), or with the form as a whole (key undefined). */
export type ItemProblem = Readonly<{ key?: string; message: string }>;

/**
 * Where an answer lives in the form: the linkId alone outside repeating groups (linkIds are unique in a
 * questionnaire), prefixed by the instance of each repeating group around it, e.g. `medicine[1]␟dose`.
 */
export const answerKey = (scope: string, linkId: string): string => scope + linkId;

/** The separator after a repeating group's instance in an answer key: a control character no linkId holds. */
const SCOPE_END = '\u001f';

/** The scope of the items inside one instance of a repeating group. */
export const instanceScope = (scope: string, group: QuestionnaireItem, index: number): string => `${scope}${group.linkId}[${index}]${SCOPE_END}`;

/** How many instances of a repeating group the form shows (at least one). */
export const instanceCount = (form: FormAnswers, groupKey: string): number => form.instances[groupKey] ?? 1;

/**
 * forms' own FHIRPath evaluation of calculatedExpression and enableWhenExpression (libs/fhir), which the form loads in
 * its own chunk only for a questionnaire that needs it ({@link needsFhirPath}).
 */
export type FhirPathEngine = Pick<typeof Expressions, 'withCalculatedAnswers' | 'enableWhenExpressions'>;

/** Whether the server calculates the item's answer (SDC calculatedExpression): the patient does not answer it. */
export const isCalculated = (item: QuestionnaireItem): boolean => extensionsOf(item, EXT.calculatedExpression).length > 0;

/** Whether an answer was pre-filled by Varde (from a measurement or an earlier answer) and the patient has yet to confirm it. */
const isPrefilled = (answer: QuestionnaireResponseItemAnswer): boolean => extensionsOf(answer, EXT.prefilled).length > 0 && extensionsOf(answer, EXT.prefilledConfirmed).length === 0;

/** A pre-filled answer as the patient confirmed it: still marked as pre-filled (the record says where it came from), and confirmed. */
const confirmed = <T extends QuestionnaireResponseItemAnswer>(answer: T): T => (isPrefilled(answer) ? { ...answer, extension: [...(answer.extension ?? []), { url: EXT.prefilledConfirmed, valueBoolean: true }] } : answer);

const repeatingGroup = (item: QuestionnaireItem): boolean => item.type === 'group' && item.repeats === true;

/**
 * On the response item of a repeating group's instance built from the form: that instance's scope in the form. A
 * symbol, so it survives the engine's copies of the items and is never sent (JSON leaves symbols out).
 */
const SCOPE = Symbol('instance scope');
type ScopedItem = QuestionnaireResponseItem & { [SCOPE]?: string };

/** The instances of repeating groups in a response built from the form ({@link buildItems}), by their scope. */
function instancesIn(items: readonly QuestionnaireResponseItem[] | undefined, into = new Map<string, QuestionnaireResponseItem>()): Map<string, QuestionnaireResponseItem> {
  for (const item of items ?? []) {
    const scope = (item as ScopedItem)[SCOPE];
    if (scope !== undefined) into.set(scope, item);
    instancesIn(item.item, into);
    for (const answer of item.answer ?? []) instancesIn(answer.item, into);
  }
  return into;
}

/** The answers of `linkId` in one instance (not inside the instances of a repeating group nested in it). */
function answersInside(instance: QuestionnaireResponseItem, linkId: string): Answer[] | undefined {
  for (const item of instance.item ?? []) {
    if ((item as ScopedItem)[SCOPE] !== undefined) continue;
    if (item.linkId === linkId) return item.answer?.map(({ item: _nested, ...answer }) => answer);
    const below = answersInside(item, linkId);
    if (below) return below;
  }
  return undefined;
}

/** Every item of the questionnaire, depth first. */
function* everyItem(items: readonly QuestionnaireItem[] | undefined): Generator<QuestionnaireItem> {
  for (const item of items ?? []) {
    yield item;
    yield* everyItem(item.item);
  }
}

/** Every item the form shows with its answer key, in every instance of the repeating groups, depth first. */
function* everyShownItem(items: readonly QuestionnaireItem[] | undefined, form: FormAnswers, scope = ''): Generator<{ item: QuestionnaireItem; key: string; scope: string }> {
  for (const item of items ?? []) {
    const key = answerKey(scope, item.linkId);
    yield { item, key, scope };
    if (repeatingGroup(item)) {
      for (let i = 0; i < instanceCount(form, key); i++) yield* everyShownItem(item.item, form, instanceScope(scope, item, i));
    } else {
      yield* everyShownItem(item.item, form, scope);
    }
  }
}

/** The answers a questionnaire starts with: each item's `initial` values (in the first instance of a repeating group). */
export function initialAnswers(questionnaire: Questionnaire): FormAnswers {
  const empty: FormAnswers = { answers: {}, unconfirmed: [], instances: {} };
  const answers: Record<string, Answer[]> = {};
  for (const { item, key } of everyShownItem(questionnaire.item, empty)) if (item.initial?.length) answers[key] = item.initial.map((initial) => ({ ...initial }) as Answer);
  return { ...empty, answers };
}

/**
 * The answers of a stored or pre-filled response (`$populate`, a draft), over the questionnaire's initial values;
 * answers carrying Varde's pre-filled mark are to be confirmed, unless `confirmed` lists them.
 */
export function answersFromResponse(questionnaire: Questionnaire, response: Pick<QuestionnaireResponse, 'item'>, confirmed: readonly string[] = []): FormAnswers {
  const answers: Record<string, readonly Answer[]> = { ...initialAnswers(questionnaire).answers };
  const unconfirmed: string[] = [];
  const instances: Record<string, number> = {};
  const visit = (definitions: readonly QuestionnaireItem[] | undefined, entries: readonly QuestionnaireResponseItem[] | undefined, scope: string): void => {
    for (const definition of definitions ?? []) {
      const key = answerKey(scope, definition.linkId);
      const found = (entries ?? []).filter((entry) => entry.linkId === definition.linkId);
      if (repeatingGroup(definition)) {
        if (found.length > 1) instances[key] = found.length;
        found.forEach((entry, i) => visit(definition.item, entry.item, instanceScope(scope, definition, i)));
        continue;
      }
      for (const entry of found) {
        if (entry.answer?.length) {
          answers[key] = entry.answer.map(({ item: _nested, ...answer }) => answer);
          if (entry.answer.some(isPrefilled) && !confirmed.includes(key)) unconfirmed.push(key);
        }
        visit(definition.item, [...(entry.item ?? []), ...(entry.answer ?? []).flatMap((answer) => answer.item ?? [])], scope);
      }
    }
  };
  visit(questionnaire.item, response.item, '');
  return { answers, unconfirmed, instances };
}

/**
 * The answers after the patient changed one item: a change (or a confirmation) settles a pre-filled answer. A pre-filled
 * answer kept as it was is marked confirmed in the answer itself, so the draft says so on any device it is resumed on.
 */
export function withAnswer(form: FormAnswers, key: string, given: readonly Answer[]): FormAnswers {
  const answers = { ...form.answers };
  if (given.length === 0) delete answers[key];
  else answers[key] = given.map(confirmed);
  return { ...form, answers, unconfirmed: form.unconfirmed.filter((k) => k !== key) };
}

/** The form with one more (empty) instance of a repeating group, up to forms' limit. */
export function withInstanceAdded(form: FormAnswers, groupKey: string): FormAnswers {
  const count = instanceCount(form, groupKey);
  return count >= MAX_REPEATS ? form : { ...form, instances: { ...form.instances, [groupKey]: count + 1 } };
}

/** The form without one instance of a repeating group (its answers gone, the later instances moved up); the last one stays. */
export function withInstanceRemoved(form: FormAnswers, scope: string, group: QuestionnaireItem, index: number): FormAnswers {
  const groupKey = answerKey(scope, group.linkId);
  const count = instanceCount(form, groupKey);
  if (count <= 1) return form;
  const removed = instanceScope(scope, group, index);
  // A key inside a later instance moves to the instance before it; keys elsewhere stay.
  const moved = (key: string): string | undefined => {
    if (key.startsWith(removed)) return undefined;
    for (let i = index + 1; i < count; i++) {
      const from = instanceScope(scope, group, i);
      if (key.startsWith(from)) return instanceScope(scope, group, i - 1) + key.slice(from.length);
    }
    return key;
  };
  const rekey = <T>(record: Readonly<Record<string, T>>): Record<string, T> =>
    Object.fromEntries(
      Object.entries(record).flatMap(([key, value]) => {
        const to = moved(key);
        return to === undefined ? [] : [[to, value]];
      }),
    );
  return {
    answers: rekey(form.answers),
    unconfirmed: form.unconfirmed.flatMap((key) => moved(key) ?? []),
    instances: { ...rekey(form.instances), [groupKey]: count - 1 },
  };
}

/** Every answer under a scope, by the linkId it answers (what enableWhen reads). */
function answersUnder(form: FormAnswers, scope: string): Map<string, readonly Answer[]> {
  const byLinkId = new Map<string, readonly Answer[]>();
  for (const [key, given] of Object.entries(form.answers)) {
    if (!key.startsWith(scope) || given.length === 0) continue;
    const linkId = key.slice(key.lastIndexOf(SCOPE_END) + 1);
    byLinkId.set(linkId, [...(byLinkId.get(linkId) ?? []), ...given]);
  }
  return byLinkId;
}

/**
 * The answer keys of the items the answers enable: enableWhen with enableBehavior, read inside a repeating group's
 * instance as forms reads it ({@link answersInInstance}), or the item's enableWhenExpression as `expressions` decide
 * it; a disabled group disables its items.
 */
function enabledBy(questionnaire: Questionnaire, form: FormAnswers, expressions: EnableWhenExpressions | undefined, instances: ReadonlyMap<string, QuestionnaireResponseItem> = new Map()): Set<string> {
  const enabled = new Set<string>();
  const visit = (items: readonly QuestionnaireItem[] | undefined, scope: string, answers: ReadonlyMap<string, readonly Answer[]>, instance: QuestionnaireResponseItem | undefined): void => {
    for (const item of items ?? []) {
      if (!isEnabled(item, answers, expressions, instance)) continue;
      const key = answerKey(scope, item.linkId);
      enabled.add(key);
      if (!repeatingGroup(item)) {
        visit(item.item, scope, answers, instance);
        continue;
      }
      for (let i = 0; i < instanceCount(form, key); i++) {
        const inner = instanceScope(scope, item, i);
        // An instance left empty is not sent; its expressions see it empty, as forms never would otherwise.
        visit(item.item, inner, answersInInstance(answers, item, answersUnder(form, inner)), instances.get(inner) ?? { linkId: item.linkId });
      }
    }
  };
  visit(questionnaire.item, '', answersUnder(form, ''), undefined);
  return enabled;
}

/** The form as forms will see it once sent: its calculated items answered, and the answer keys of the items enabled. */
export type SettledForm = Readonly<{ form: FormAnswers; enabled: ReadonlySet<string> }>;

/**
 * The form as forms will evaluate what it is sent: forms calculates on the response sent (only enabled items'
 * answers), then decides enableWhen and enableWhenExpression on the result. As an expression can enable an item whose
 * answer another expression reads, the two are evaluated in turn until the enabled items no longer change (a few
 * rounds; bounded, as a questionnaire could say "enabled when not enabled").
 */
export function settledForm(questionnaire: Questionnaire, form: FormAnswers, engine?: FhirPathEngine): SettledForm {
  let enabled = enabledBy(questionnaire, form, undefined);
  if (!engine || !needsFhirPath(questionnaire)) return { form, enabled };
  let current = form;
  const rounds = 2 + [...everyItem(questionnaire.item)].filter((item) => enableWhenExpressionOf(item) !== undefined).length;
  for (let round = 0; round < rounds; round++) {
    const sent: QuestionnaireResponse = { resourceType: 'QuestionnaireResponse', status: 'in-progress', item: buildItems(questionnaire, form, enabled, true) };
    let calculated = sent;
    try {
      calculated = engine.withCalculatedAnswers(questionnaire, sent);
    } catch {
      // An expression that fails on half-typed answers (e.g. text where a number will be) shows nothing yet.
    }
    current = withCalculatedFrom(questionnaire, form, calculated);
    const next = enabledBy(questionnaire, current, engine.enableWhenExpressions(questionnaire, calculated), instancesIn(calculated.item));
    const settled = next.size === enabled.size && [...next].every((key) => enabled.has(key));
    enabled = next;
    if (settled) break;
  }
  return { form: current, enabled };
}

/**
 * The form with its calculated items answered as in `response` (where forms calculated them): inside a repeating
 * group, from the instance built from that scope of the form (an empty instance is not sent, so positions in the
 * response are not the form's).
 */
function withCalculatedFrom(questionnaire: Questionnaire, form: FormAnswers, response: QuestionnaireResponse): FormAnswers {
  const calculated = [...everyShownItem(questionnaire.item, form)].filter(({ item }) => isCalculated(item));
  if (calculated.length === 0) return form;
  const result = answersFromResponse(questionnaire, response);
  const instances = instancesIn(response.item);
  const answers = { ...form.answers };
  for (const { item, key, scope } of calculated) {
    const instance = scope === '' ? undefined : instances.get(scope);
    const given = scope === '' ? result.answers[key] : instance && answersInside(instance, item.linkId);
    if (given?.length) answers[key] = given;
    else delete answers[key];
  }
  return { ...form, answers };
}

/** The answer keys of the items the answers enable now (see {@link settledForm}). */
export const enabledItems = (questionnaire: Questionnaire, form: FormAnswers, engine?: FhirPathEngine): ReadonlySet<string> => settledForm(questionnaire, form, engine).enabled;

/**
 * The response's items as FHIR nests them, with only the answers to enabled items (an answer to a disabled item
 * is dropped, not sent: forms would refuse it), none to calculated items (forms calculates them), and one item per
 * instance of a repeating group that holds an answer.
 */
export function responseItems(questionnaire: Questionnaire, form: FormAnswers, engine?: FhirPathEngine): QuestionnaireResponseItem[] {
  const settled = settledForm(questionnaire, form, engine);
  return buildItems(questionnaire, settled.form, settled.enabled);
}

/** The items to send; `tagged`: each repeating group's instance marked with its scope in the form ({@link SCOPE}). */
function buildItems(questionnaire: Questionnaire, form: FormAnswers, enabled: ReadonlySet<string>, tagged = false): QuestionnaireResponseItem[] {
  const build = (items: readonly QuestionnaireItem[] | undefined, scope: string): QuestionnaireResponseItem[] =>
    (items ?? []).flatMap((item): QuestionnaireResponseItem[] => {
      const key = answerKey(scope, item.linkId);
      if (!enabled.has(key) || item.type === 'display' || isCalculated(item)) return [];
      const text = item.text ? { text: item.text } : {};
      if (item.type === 'group') {
        const scopes = repeatingGroup(item) ? Array.from({ length: instanceCount(form, key) }, (_, i) => instanceScope(scope, item, i)) : [scope];
        return scopes.flatMap((inner) => {
          const built = build(item.item, inner);
          const scoped: ScopedItem = { linkId: item.linkId, ...text, item: built, ...(tagged && repeatingGroup(item) ? { [SCOPE]: inner } : {}) };
          return built.length > 0 ? [scoped] : [];
        });
      }
      const given = form.answers[key] ?? [];
      if (given.length === 0) return [];
      const nested = build(item.item, scope);
      return [{ linkId: item.linkId, ...text, answer: given.map((answer, i) => (i === 0 && nested.length > 0 ? { ...answer, item: nested } : answer)) }];
    });
  return build(questionnaire.item, '');
}

/** Whether any item under a scope (one instance of a repeating group) has an answer. */
const answeredUnder = (form: FormAnswers, scope: string): boolean => Object.entries(form.answers).some(([key, given]) => key.startsWith(scope) && given.length > 0);

/**
 * What stops the form being sent, at its item: enabled required questions without an answer, pre-filled answers not
 * confirmed. Inside a repeating group, an instance left empty is not sent, so it asks for nothing (but the first
 * instance of a required group does).
 */
export function unfinishedItems(questionnaire: Questionnaire, given: FormAnswers, engine?: FhirPathEngine): Array<{ key: string; problem: 'required' | 'confirm' }> {
  const { form, enabled } = settledForm(questionnaire, given, engine);
  const found: Array<{ key: string; problem: 'required' | 'confirm' }> = [];
  const visit = (items: readonly QuestionnaireItem[] | undefined, scope: string): void => {
    for (const item of items ?? []) {
      const key = answerKey(scope, item.linkId);
      if (!enabled.has(key)) continue;
      if (repeatingGroup(item)) {
        for (let i = 0; i < instanceCount(form, key); i++) {
          const inner = instanceScope(scope, item, i);
          if (answeredUnder(form, inner) || (i === 0 && item.required)) visit(item.item, inner);
        }
        continue;
      }
      visit(item.item, scope);
      if (item.type === 'group' || item.type === 'display' || isCalculated(item)) continue;
      if (item.required && !form.answers[key]?.length) found.push({ key, problem: 'required' });
      else if (form.unconfirmed.includes(key)) found.push({ key, problem: 'confirm' });
    }
  };
  visit(questionnaire.item, '');
  return found;
}

/**
 * forms' refusal (OperationOutcome issues as `field` + `message`) placed at the items they name: by the linkId forms
 * writes in each message, in the instance of a repeating group the FHIRPath location (in the response that was
 * sent) points into; else by the item at that location.
 */
export function problemsAtItems(questionnaire: Questionnaire, form: FormAnswers, fields: ReadonlyArray<{ field: string; message: string }>, sent: readonly QuestionnaireResponseItem[]): ItemProblem[] {
  return fields.map(({ field, message }) => {
    const named = /linkId "([^"]+)"/.exec(message)?.[1];
    const located = locate(questionnaire, form, field, sent);
    return { key: named !== undefined ? answerKey(located.scope, named) : located.key, message };
  });
}

/**
 * The answer key at a location such as `QuestionnaireResponse.item[1].item[0].answer[0].valueInteger`, and the scope
 * of the repeating groups' instances it lies in. The n-th instance of a repeating group sent is the form's n-th
 * instance that held answers (empty ones are not sent).
 */
function locate(questionnaire: Questionnaire, form: FormAnswers, location: string, items: readonly QuestionnaireResponseItem[]): { key?: string; scope: string } {
  let level: readonly QuestionnaireResponseItem[] | undefined = items;
  let definitions: readonly QuestionnaireItem[] | undefined = questionnaire.item;
  let found: QuestionnaireResponseItem | undefined;
  let scope = '';
  let key: string | undefined;
  for (const [, kind, index] of location.matchAll(/\.(item|answer)\[(\d+)\]/g)) {
    const position = Number(index);
    if (kind === 'answer') {
      level = found?.answer?.[position]?.item;
      continue;
    }
    found = level?.[position];
    const definition = definitions?.find((d) => d.linkId === found?.linkId);
    if (!found || !definition) break;
    key = answerKey(scope, definition.linkId);
    if (repeatingGroup(definition)) {
      const linkId = found.linkId;
      const sentBefore = (level ?? []).slice(0, position).filter((entry) => entry.linkId === linkId).length;
      const answered = Array.from({ length: instanceCount(form, key) }, (_, i) => i).filter((i) => answeredUnder(form, instanceScope(scope, definition, i)));
      scope = instanceScope(scope, definition, answered[sentBefore] ?? sentBefore);
    }
    level = found.item;
    definitions = definition.item;
  }
  return { key, scope };
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
  const form = answersFromResponse(questionnaire, response);
  return [...everyShownItem(questionnaire.item, form)]
    .filter(({ item }) => isCalculated(item))
    .flatMap(({ item, key }) => {
      const answer = form.answers[key]?.[0];
      const value = answer?.valueDecimal ?? answer?.valueInteger ?? answer?.valueString ?? answer?.valueQuantity?.value;
      return value !== undefined ? [{ name: item.text ?? item.linkId, value: String(value) }] : [];
    });
}

/** Whether forms evaluates FHIRPath as the questionnaire is answered (calculated items, enableWhenExpression); the form loads the engine only then. */
export const needsFhirPath = (questionnaire: Questionnaire): boolean => [...everyItem(questionnaire.item)].some((item) => isCalculated(item) || enableWhenExpressionOf(item) !== undefined);
