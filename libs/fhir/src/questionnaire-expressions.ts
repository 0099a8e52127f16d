import type { Expression, Questionnaire, QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { enableWhenExpressionOf, EXT, extensionsOf, walkItems, type EnableWhenExpressions } from './questionnaire-items';

/** One computed score of a response: its codes (the first is the one triage rules use) and value. */
export type ComputedScore = Readonly<{ code: { system: string; code: string; display?: string }; codings: readonly { system: string; code: string; display?: string }[]; value: number }>;

/** Why a FHIRPath expression does not parse, or undefined when it does (fhirpath.js, the HL7-listed engine). */
export function fhirPathProblem(expression: string): string | undefined {
  try {
    fhirpath.parse(expression);
    return undefined;
  } catch (error) {
    return `FHIRPath does not parse: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** Why an SDC Expression cannot be used, or undefined: FHIRPath only, and it parses. */
export function expressionProblem(expression: Expression | undefined): string | undefined {
  if (!expression?.expression) return 'expected a valueExpression with an "expression"';
  if (expression.language !== 'text/fhirpath') return `expected language "text/fhirpath", not "${expression.language ?? ''}"`;
  return fhirPathProblem(expression.expression);
}

type Env = Record<string, unknown>;
type Compiled = (focus: QuestionnaireResponse | QuestionnaireResponseItem, env: Env) => unknown[];

/** The FHIRPath type of an instance of a group in a response: expressions evaluated on it read its items by their own type. */
const ITEM_BASE = 'QuestionnaireResponse.item';

/**
 * Every expression compiled so far: the same few expressions of the catalogue's questionnaires are evaluated on
 * every response, so each is parsed once per process rather than on each submission (`fhirpath.evaluate` parses
 * every time).
 */
const compiled = new Map<string, Compiled>();

/**
 * Evaluates `expression` on `focus`: the response, or (`onItem`) the instance of a repeating group the expression's
 * item is in. `%resource` is always the whole response, `%context` the focus, `%questionnaire` lets
 * ordinal()/weight() find the options' ordinalValue.
 */
function evaluate(expression: string, focus: QuestionnaireResponse | QuestionnaireResponseItem, env: Env, onItem = false): unknown[] {
  const key = onItem ? `${ITEM_BASE}\u0000${expression}` : expression;
  let run = compiled.get(key);
  if (!run) compiled.set(key, (run = fhirpath.compile(onItem ? { base: ITEM_BASE, expression } : expression, r4) as Compiled));
  return run(focus, { ...env, context: focus });
}

/** The items from the questionnaire's root down to the one with `linkId`: its ancestors first, the item last. */
function definitionPath(items: readonly QuestionnaireItem[] | undefined, linkId: string): QuestionnaireItem[] | undefined {
  for (const item of items ?? []) {
    if (item.linkId === linkId) return [item];
    const below = definitionPath(item.item, linkId);
    if (below) return [item, ...below];
  }
  return undefined;
}

/** The ancestors of the item with `linkId` down to its nearest enclosing repeating group; undefined when it is in none. */
function repeatingScopeOf(questionnaire: Questionnaire, linkId: string): QuestionnaireItem[] | undefined {
  const ancestors = (definitionPath(questionnaire.item, linkId) ?? []).slice(0, -1);
  const nearest = ancestors.map((a) => a.type === 'group' && a.repeats === true).lastIndexOf(true);
  return nearest < 0 ? undefined : ancestors.slice(0, nearest + 1);
}

/** The response items with every instance along `path` (group definitions, outermost first) replaced by `change` of it. */
function mapInstances(items: readonly QuestionnaireResponseItem[], path: readonly QuestionnaireItem[], change: (instance: QuestionnaireResponseItem) => QuestionnaireResponseItem): QuestionnaireResponseItem[] {
  const [head, ...rest] = path;
  return items.map((i) => (i.linkId !== head!.linkId ? i : rest.length === 0 ? change(i) : { ...i, item: mapInstances(i.item ?? [], rest, change) }));
}

/** The questionnaire-level variables (SDC `variable` extensions) in order, each seeing the ones before it. */
function variables(questionnaire: Questionnaire, response: QuestionnaireResponse, extra: Env = {}): Env {
  const env: Env = { resource: response, questionnaire, ...extra };
  for (const ext of extensionsOf(questionnaire, EXT.variable)) {
    const { name, expression } = ext.valueExpression ?? {};
    if (!name || !expression) continue;
    const value = evaluate(expression, response, env);
    env[name] = value.length === 1 ? value[0] : value;
  }
  return env;
}

/** A FHIRPath result as the answer of an item of this type, if it fits. */
function answerFor(item: QuestionnaireItem, value: unknown): QuestionnaireResponseItemAnswer | undefined {
  if (value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value))) return undefined;
  switch (item.type) {
    case 'integer':
      return typeof value === 'number' ? { valueInteger: Math.round(value) } : undefined;
    case 'decimal':
      return typeof value === 'number' ? { valueDecimal: value } : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? { valueBoolean: value } : undefined;
    case 'string':
    case 'text':
      return { valueString: String(value) };
    default:
      return undefined;
  }
}

/**
 * The response with every `calculatedExpression` item answered by the server (whatever the client sent there),
 * evaluated against the response and the questionnaire's variables, in the questionnaire's order (a later item sees
 * the earlier ones' answers). An item inside a repeating group is calculated in every instance of the group, with
 * that instance as the focus and `%context` (so `item.where(linkId = 'weight').answer.value` reads the instance's
 * weight) and `%resource` the whole response. An item whose expression yields nothing is left unanswered.
 */
export function withCalculatedAnswers(questionnaire: Questionnaire, response: QuestionnaireResponse): QuestionnaireResponse {
  const calculated = [...walkItems(questionnaire.item)].filter(([item]) => extensionsOf(item, EXT.calculatedExpression).length > 0);
  if (calculated.length === 0) return response;
  let current = response;
  for (const [item] of calculated) {
    const expression = extensionsOf(item, EXT.calculatedExpression)[0]!.valueExpression!.expression!;
    const env = variables(questionnaire, current);
    const scope = repeatingScopeOf(questionnaire, item.linkId);
    if (!scope) {
      const [value] = evaluate(expression, current, env);
      current = { ...current, item: setAnswer(current.item ?? [], questionnaire.item ?? [], item.linkId, answerFor(item, value)) };
      continue;
    }
    const group = scope[scope.length - 1]!;
    current = {
      ...current,
      item: mapInstances(current.item ?? [], scope, (instance) => {
        const [value] = evaluate(expression, instance, env, true);
        return { ...instance, item: setAnswer(instance.item ?? [], group.item ?? [], item.linkId, answerFor(item, value)) };
      }),
    };
  }
  return current;
}

/** The response items with the answer of `linkId` replaced (created along its group path when missing). */
function setAnswer(items: QuestionnaireResponseItem[], definitions: QuestionnaireItem[], linkId: string, answer: QuestionnaireResponseItemAnswer | undefined): QuestionnaireResponseItem[] {
  const index = definitions.findIndex((d) => d.linkId === linkId);
  if (index >= 0) {
    const rest = items.filter((i) => i.linkId !== linkId);
    if (!answer) return rest;
    const definition = definitions[index]!;
    const at = items.findIndex((i) => i.linkId === linkId);
    const entry: QuestionnaireResponseItem = { linkId, ...(definition.text ? { text: definition.text } : {}), answer: [answer] };
    if (at >= 0) return items.map((i) => (i.linkId === linkId ? entry : i));
    return [...rest, entry];
  }
  return definitions.reduce((acc, group) => {
    if (!group.item || ![...walkItems(group.item)].some(([i]) => i.linkId === linkId)) return acc;
    const existing = acc.find((i) => i.linkId === group.linkId);
    const inner = setAnswer(existing?.item ?? [], group.item, linkId, answer);
    return existing ? acc.map((i) => (i === existing ? { ...i, item: inner } : i)) : [...acc, { linkId: group.linkId, item: inner }];
  }, items);
}

/** The scores the questionnaire defines (Varde `questionnaire-score` extensions), computed on the response. */
export function computeScores(questionnaire: Questionnaire, response: QuestionnaireResponse): ComputedScore[] {
  const env = variables(questionnaire, response);
  return extensionsOf(questionnaire, EXT.score).flatMap((ext) => {
    const codings = extensionsOf(ext, 'code').map((c) => c.valueCoding!).filter((c) => c?.system && c.code) as { system: string; code: string; display?: string }[];
    const expression = extensionsOf(ext, 'expression')[0]?.valueExpression?.expression;
    if (!codings[0] || !expression) return [];
    const [value] = evaluate(expression, response, env);
    return typeof value === 'number' && Number.isFinite(value) ? [{ code: codings[0], codings, value }] : [];
  });
}

/** The value of an item's `initialExpression`, evaluated with the given variables (e.g. `%previous`), as an answer. */
export function initialAnswer(questionnaire: Questionnaire, item: QuestionnaireItem, env: Env): QuestionnaireResponseItemAnswer | undefined {
  const expression = extensionsOf(item, EXT.initialExpression)[0]?.valueExpression?.expression;
  if (!expression) return undefined;
  const empty: QuestionnaireResponse = { resourceType: 'QuestionnaireResponse', status: 'in-progress' };
  const [value] = evaluate(expression, empty, variables(questionnaire, empty, env));
  if (value !== null && typeof value === 'object' && item.type === 'quantity') return { valueQuantity: value };
  if (value !== null && typeof value === 'object' && (item.type === 'choice' || item.type === 'open-choice')) return { valueCoding: value };
  return answerFor(item, value);
}

/**
 * The SDC enableWhenExpressions of a questionnaire evaluated on one response, with the questionnaire's variables: an
 * item is enabled when its expression yields exactly `true`. An item inside a repeating group is decided per
 * instance: the caller names the instance (the response item of the nearest enclosing repeating group), which is the
 * focus and `%context`, as enableWhen reads that instance's answers; elsewhere the focus is the response. An
 * expression that yields anything else, or fails on the answers given, disables its item. forms and the patient app
 * both decide with this, so they agree.
 */
export function enableWhenExpressions(questionnaire: Questionnaire, response: QuestionnaireResponse): EnableWhenExpressions {
  let env: Env | undefined;
  const atTop = new Map<string, boolean>();
  const inInstances = new WeakMap<QuestionnaireResponseItem, Map<string, boolean>>();
  return (item, instance) => {
    const expression = enableWhenExpressionOf(item);
    if (expression === undefined) return true;
    let decided = atTop;
    if (instance) {
      decided = inInstances.get(instance) ?? new Map();
      inInstances.set(instance, decided);
    }
    let enabled = decided.get(item.linkId);
    if (enabled === undefined) {
      try {
        env ??= variables(questionnaire, response);
        const result = instance ? evaluate(expression, instance, env, true) : evaluate(expression, response, env);
        enabled = result.length === 1 && result[0] === true;
      } catch {
        enabled = false;
      }
      decided.set(item.linkId, enabled);
    }
    return enabled;
  };
}
