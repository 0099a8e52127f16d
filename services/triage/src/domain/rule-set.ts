import { DIASTOLIC, LOINC, MEASUREMENT_TYPES, SYSTOLIC, type Plausibility } from '@varde/core';
import { DAY, describeDuration, HOUR, parseDuration } from './duration';
import { CAT_ITEMS, CAT_QUESTIONNAIRE_URL, CAT_SCORE_CODE } from './scores/cat';

/** Triage colour: how urgently a patient needs attention. */
export type Colour = 'green' | 'yellow' | 'red';

/** A code from a terminology (LOINC for measurements, Varde's score system for questionnaire scores). */
export type Code = Readonly<{ system: string; code: string }>;

/** How a value is compared with a threshold. */
export type Comparison = 'lt' | 'le' | 'gt' | 'ge';

/** The kinds of rule a rule set can hold. */
export type RuleKind = 'threshold' | 'count' | 'delta' | 'trend' | 'missing' | 'all';

type RuleCommon = Readonly<{ id: string; colour: Colour; reasonTemplate: string; source?: string }>;

/** The latest value compared with a threshold. */
export type ThresholdRule = RuleCommon & Readonly<{ kind: 'threshold'; code: Code; operator: Comparison; threshold: number; unit: string }>;
/** At least `count` values within `windowMs` compare with the threshold (two SpO2 below 92 % within 24 h). */
export type CountRule = RuleCommon & Readonly<{ kind: 'count'; code: Code; operator: Comparison; threshold: number; unit: string; count: number; windowMs: number }>;
/** The latest value moved more than `amount` from the lowest (increase) or highest (decrease) value of the window before it. */
export type DeltaRule = RuleCommon & Readonly<{ kind: 'delta'; code: Code; direction: Direction; amount: number; unit: string; windowMs: number }>;
/**
 * The least-squares slope of the window's values, per day, is steeper than `slopePerDay` in `direction`, over at
 * least `minReadings` readings spanning at least `minSpanMs` (0: any span) from the first to the latest.
 */
export type TrendRule = RuleCommon &
  Readonly<{ kind: 'trend'; code: Code; direction: Direction; slopePerDay: number; minReadings: number; minSpanMs: number; unit: string; windowMs: number }>;
/** No value of the code for longer than `afterMs` (since the last one, or since registration). */
export type MissingRule = RuleCommon & Readonly<{ kind: 'missing'; code: Code; afterMs: number }>;
/** Holds when every rule it names holds: a combination ("low SpO2 and a fast pulse"). */
export type AllOfRule = RuleCommon & Readonly<{ kind: 'all'; of: readonly string[] }>;

/** Up or down. */
export type Direction = 'increase' | 'decrease';
/** One rule of a rule set. */
export type Rule = ThresholdRule | CountRule | DeltaRule | TrendRule | MissingRule | AllOfRule;

/** A published, immutable rule set version, ready to evaluate. */
export type RuleSet = Readonly<{ id: string; version: number; contentHash: string; pathwayId: string; title: string; rules: readonly Rule[] }>;

/** A rule as a pathway designer writes it (see services/triage/rule-sets/rule-set.schema.json). */
export type RuleDocument = Readonly<{
  id: string;
  kind: RuleKind;
  code?: string;
  operator?: Comparison;
  threshold?: number;
  unit?: string;
  count?: number;
  window?: string;
  direction?: Direction;
  amount?: number;
  slopePerDay?: number;
  minReadings?: number;
  minSpan?: string;
  after?: string;
  of?: readonly string[];
  colour: Colour;
  reason: string;
  source?: string;
  note?: string;
}>;

/** A rule set as a pathway designer writes it, in YAML or JSON. */
export type RuleSetDocument = Readonly<{
  id: string;
  pathway: string;
  title: string;
  description?: string;
  sources?: Readonly<Record<string, string>>;
  rules: readonly RuleDocument[];
}>;

/** One problem found in a rule set document, at a path into the document ("rules", 3, "threshold"). */
export type RuleSetProblem = Readonly<{ path: readonly (string | number)[]; message: string }>;

/** Code system of Varde's questionnaire scores. */
export const SCORE_SYSTEM = CAT_SCORE_CODE.system;
/** Code system of single questionnaire answers: code `<questionnaire id>/<item linkId>`, e.g. `cat/breathlessness`. */
export const ANSWER_SYSTEM = 'https://varde.no/fhir/CodeSystem/answer';

/** The code of the answer to one item of a questionnaire (by its canonical URL, whose last segment is its id). */
export const answerCode = (questionnaireUrl: string, linkId: string): Code => ({ system: ANSWER_SYSTEM, code: `${questionnaireUrl.split('|')[0]!.split('/').pop()}/${linkId}` });

/** Questionnaire scores are dimensionless; rules on them use the UCUM annotation `{score}`. */
export const SCORE_UNIT = '{score}';
/** The longest window or missing-report span a rule may use: triage keeps this much history per code. */
export const MAX_WINDOW_MS = 30 * DAY;
/** The shortest missing-report span: shorter ones would flood the worklist between two daily reports. */
export const MIN_MISSING_MS = HOUR;

type KnownCode = Readonly<{ code: Code; display: string; unit: string; possible: Plausibility['possible'] }>;

// The codes rules may use: every vital sign measurements knows (blood pressure by its components, the panel
// itself carries no value) and the questionnaire scores forms publishes.
const KNOWN_CODES: readonly KnownCode[] = [
  ...MEASUREMENT_TYPES.filter((t) => !t.components).flatMap((t) => t.codes.map((code) => ({ code: { system: t.system, code }, display: t.display, unit: t.canonicalUnit, possible: t.plausibility.possible }))),
  ...[SYSTOLIC, DIASTOLIC].map((c) => ({ code: { system: LOINC, code: c.code }, display: c.display, unit: c.canonicalUnit, possible: c.plausibility.possible })),
  { code: CAT_SCORE_CODE, display: 'CAT score', unit: SCORE_UNIT, possible: { min: 0, max: 40 } },
  ...CAT_ITEMS.map((item) => ({ code: answerCode(CAT_QUESTIONNAIRE_URL, item), display: `CAT ${item}`, unit: SCORE_UNIT, possible: { min: 0, max: 5 } })),
];

const SYSTEM_PREFIXES: Readonly<Record<string, string>> = { loinc: LOINC, score: SCORE_SYSTEM, answer: ANSWER_SYSTEM };

/** A rule set's code written as `loinc:2708-6`, `score:CAT`, `answer:cat/breathlessness` or `<system uri>|<code>`. */
export function parseCode(text: string): Code | undefined {
  const bar = text.lastIndexOf('|');
  if (bar > 0) return { system: text.slice(0, bar), code: text.slice(bar + 1) };
  const colon = text.indexOf(':');
  const system = colon > 0 ? SYSTEM_PREFIXES[text.slice(0, colon)] : undefined;
  return system && colon < text.length - 1 ? { system, code: text.slice(colon + 1) } : undefined;
}

/**
 * The one code triage holds a measurement type under: SpO2 arrives as 2708-6 or 59408-5 and is one series,
 * compared by the same rules. Other codes are their own.
 */
export function canonicalCode(code: Code): Code {
  const type = code.system === LOINC ? MEASUREMENT_TYPES.find((t) => t.codes.includes(code.code)) : undefined;
  return type && type.codes[0] !== code.code ? { system: LOINC, code: type.codes[0]! } : code;
}

const prefixOf = (system: string): string => Object.entries(SYSTEM_PREFIXES).find(([, uri]) => uri === system)?.[0] ?? system;

/**
 * A listed code, or any questionnaire score or answer: forms publishes every score a questionnaire defines
 * (PHQ-9, GAD-7, a clinic's own) under its code, so a rule may name one triage has no range for.
 */
const knownCode = (code: Code): KnownCode | undefined =>
  KNOWN_CODES.find((k) => k.code.system === code.system && k.code.code === code.code) ??
  (code.system === SCORE_SYSTEM || code.system === ANSWER_SYSTEM ? { code, display: `${code.code} ${code.system === SCORE_SYSTEM ? 'score' : 'answer'}`, unit: SCORE_UNIT, possible: {} } : undefined);

/** The display name of a known code ("Oxygen saturation"), or the code itself. */
export const displayOf = (code: Code): string => knownCode(code)?.display ?? code.code;

const PLACEHOLDERS: Readonly<Record<RuleKind, readonly string[]>> = {
  threshold: ['value', 'unit', 'threshold', 'band', 'display'],
  count: ['count', 'window', 'threshold', 'unit', 'value', 'display'],
  delta: ['value', 'baseline', 'change', 'amount', 'unit', 'window', 'display'],
  trend: ['value', 'slope', 'slopePerDay', 'unit', 'window', 'readings', 'display'],
  missing: ['hours', 'after', 'display'],
  all: ['reasons'],
};

const FIELDS_BY_KIND: Readonly<Record<RuleKind, readonly (keyof RuleDocument)[]>> = {
  threshold: ['code', 'operator', 'threshold', 'unit'],
  count: ['code', 'operator', 'threshold', 'unit', 'count', 'window'],
  delta: ['code', 'direction', 'amount', 'unit', 'window'],
  trend: ['code', 'direction', 'slopePerDay', 'unit', 'window'],
  missing: ['code', 'after'],
  all: ['of'],
};

/**
 * The checks a JSON Schema cannot make: known codes in their canonical unit, thresholds a value can reach,
 * windows triage keeps history for, unique rule ids, combinations naming existing rules without a cycle,
 * reason templates using only their kind's placeholders, cited sources that exist.
 */
export function checkRuleSetDocument(document: RuleSetDocument): RuleSetProblem[] {
  const problems: RuleSetProblem[] = [];
  const ids = new Map<string, number>();
  document.rules.forEach((rule, index) => {
    const at = (...path: (string | number)[]): readonly (string | number)[] => ['rules', index, ...path];
    if (ids.has(rule.id)) problems.push({ path: at('id'), message: `rule id "${rule.id}" is used twice (also rules[${ids.get(rule.id)}])` });
    else ids.set(rule.id, index);
    for (const field of FIELDS_BY_KIND[rule.kind]) {
      if (rule[field] === undefined) problems.push({ path: at(), message: `a ${rule.kind} rule needs "${field}"` });
    }
    problems.push(...checkCodeAndValues(rule, at));
    problems.push(...checkWindows(rule, at));
    for (const [, name] of rule.reason.matchAll(/\{([^}]*)\}/g)) {
      if (!PLACEHOLDERS[rule.kind].includes(name!)) problems.push({ path: at('reason'), message: `unknown placeholder {${name}}; a ${rule.kind} rule may use ${PLACEHOLDERS[rule.kind].map((p) => `{${p}}`).join(', ')}` });
    }
    if (rule.source !== undefined && !document.sources?.[rule.source]) problems.push({ path: at('source'), message: `source "${rule.source}" is not listed under "sources"` });
  });
  problems.push(...checkCombinations(document.rules, ids));
  return problems;
}

function checkCodeAndValues(rule: RuleDocument, at: (...path: (string | number)[]) => readonly (string | number)[]): RuleSetProblem[] {
  if (rule.code === undefined) return [];
  const code = parseCode(rule.code);
  if (!code) return [{ path: at('code'), message: `"${rule.code}" is not a code; write loinc:<code>, score:<code> or <system>|<code>` }];
  const known = knownCode(code);
  if (!known) return [{ path: at('code'), message: `unknown measurement code ${rule.code}; known: ${KNOWN_CODES.map((k) => `${prefixOf(k.code.system)}:${k.code.code} (${k.display})`).join(', ')}` }];
  const problems: RuleSetProblem[] = [];
  if (rule.unit !== undefined && rule.unit !== known.unit) problems.push({ path: at('unit'), message: `${known.display} is compared in "${known.unit}", not "${rule.unit}"` });
  const { min = -Infinity, max = Infinity } = known.possible;
  if (rule.threshold !== undefined && (rule.threshold < min || rule.threshold > max)) {
    problems.push({ path: at('threshold'), message: `impossible threshold ${rule.threshold}: ${known.display} is between ${min} and ${max} ${known.unit}` });
  }
  if (rule.amount !== undefined && Number.isFinite(max - min) && rule.amount >= max - min) {
    problems.push({ path: at('amount'), message: `impossible change ${rule.amount}: ${known.display} only spans ${min} to ${max} ${known.unit}` });
  }
  return problems;
}

function checkWindows(rule: RuleDocument, at: (...path: (string | number)[]) => readonly (string | number)[]): RuleSetProblem[] {
  const problems: RuleSetProblem[] = [];
  const parsed: Partial<Record<'window' | 'after' | 'minSpan', number>> = {};
  for (const field of ['window', 'after', 'minSpan'] as const) {
    const text = rule[field];
    if (text === undefined) continue;
    const ms = parseDuration(text);
    if (ms !== undefined) parsed[field] = ms;
    if (ms === undefined) problems.push({ path: at(field), message: `"${text}" is not a duration; write e.g. PT24H, P3D or P1DT12H` });
    else if (ms > MAX_WINDOW_MS) problems.push({ path: at(field), message: `${describeDuration(ms)} is longer than the ${describeDuration(MAX_WINDOW_MS)} of history triage keeps` });
    else if (field === 'after' && ms < MIN_MISSING_MS) problems.push({ path: at(field), message: `a missing report must be expected for at least ${describeDuration(MIN_MISSING_MS)}` });
  }
  if (rule.kind === 'trend' && rule.minReadings !== undefined && rule.minReadings < 2) problems.push({ path: at('minReadings'), message: 'a trend needs at least 2 readings' });
  const { minSpan: span, window } = parsed;
  if (span !== undefined && window !== undefined && span > window) {
    problems.push({ path: at('minSpan'), message: `${describeDuration(span)} is longer than the rule's window of ${describeDuration(window)}: the rule could never hold` });
  }
  return problems;
}

function checkCombinations(rules: readonly RuleDocument[], ids: ReadonlyMap<string, number>): RuleSetProblem[] {
  const problems: RuleSetProblem[] = [];
  const byId = new Map(rules.map((r) => [r.id, r]));
  rules.forEach((rule, index) => {
    rule.of?.forEach((ref, i) => {
      if (!ids.has(ref)) problems.push({ path: ['rules', index, 'of', i], message: `rule "${ref}" does not exist in this rule set` });
      else if (ref === rule.id) problems.push({ path: ['rules', index, 'of', i], message: `rule "${rule.id}" names itself` });
    });
  });
  // A cycle through combinations can never be decided; report it once, at the first rule on it.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    for (const ref of byId.get(id)?.of ?? []) {
      if (ref === id || !byId.has(ref)) continue;
      const cycle = visit(ref, [...trail, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const rule of rules) {
    const cycle = visit(rule.id, []);
    if (cycle) {
      problems.push({ path: ['rules', ids.get(cycle[0]!)!, 'of'], message: `combinations form a cycle: ${cycle.join(' → ')}` });
      break;
    }
  }
  return problems;
}

/** The rule set to evaluate, from a document {@link checkRuleSetDocument} found no problem in. */
export function ruleSetFromDocument(document: RuleSetDocument, version: number, contentHash: string): RuleSet {
  return { id: document.id, version, contentHash, pathwayId: document.pathway, title: document.title, rules: orderForEvaluation(document.rules.map(ruleFromDocument)) };
}

function ruleFromDocument(doc: RuleDocument): Rule {
  const common = { id: doc.id, colour: doc.colour, reasonTemplate: doc.reason, ...(doc.source === undefined ? {} : { source: doc.source }) };
  const parsed = doc.code === undefined ? undefined : parseCode(doc.code);
  const code = parsed && canonicalCode(parsed);
  const window = doc.window === undefined ? 0 : (parseDuration(doc.window) ?? 0);
  switch (doc.kind) {
    case 'threshold':
      return { ...common, kind: 'threshold', code: code!, operator: doc.operator!, threshold: doc.threshold!, unit: doc.unit! };
    case 'count':
      return { ...common, kind: 'count', code: code!, operator: doc.operator!, threshold: doc.threshold!, unit: doc.unit!, count: doc.count!, windowMs: window };
    case 'delta':
      return { ...common, kind: 'delta', code: code!, direction: doc.direction!, amount: doc.amount!, unit: doc.unit!, windowMs: window };
    case 'trend':
      return { ...common, kind: 'trend', code: code!, direction: doc.direction!, slopePerDay: doc.slopePerDay!, minReadings: doc.minReadings ?? 3, minSpanMs: doc.minSpan === undefined ? 0 : (parseDuration(doc.minSpan) ?? 0), unit: doc.unit!, windowMs: window };
    case 'missing':
      return { ...common, kind: 'missing', code: code!, afterMs: parseDuration(doc.after!) ?? 0 };
    case 'all':
      return { ...common, kind: 'all', of: doc.of! };
    default: {
      const _exhaustive: never = doc.kind;
      throw new Error(`unknown rule kind ${String(_exhaustive)}`);
    }
  }
}

// Combinations after the rules they name (the document is acyclic), everything else in document order.
function orderForEvaluation(rules: readonly Rule[]): Rule[] {
  const ordered: Rule[] = rules.filter((r) => r.kind !== 'all');
  const placed = new Set(ordered.map((r) => r.id));
  let pending = rules.filter((r): r is AllOfRule => r.kind === 'all');
  while (pending.length > 0) {
    const ready = pending.filter((r) => r.of.every((id) => placed.has(id)));
    if (ready.length === 0) throw new Error('rule set combinations form a cycle');
    for (const r of ready) {
      ordered.push(r);
      placed.add(r.id);
    }
    pending = pending.filter((r) => !placed.has(r.id));
  }
  return ordered;
}

/** Why a patient's own value for a rule parameter cannot be used, or undefined when it can. */
export function checkOverride(rule: Rule, parameter: 'threshold' | 'amount' | 'count', value: number): string | undefined {
  const applies = (parameter === 'threshold' && (rule.kind === 'threshold' || rule.kind === 'count')) || (parameter === 'amount' && rule.kind === 'delta') || (parameter === 'count' && rule.kind === 'count');
  if (!applies) return `a ${rule.kind} rule has no ${parameter} to override`;
  if (!Number.isFinite(value)) return 'must be a number';
  if (parameter === 'count') return Number.isInteger(value) && value >= 1 ? undefined : 'must be a whole number of 1 or more';
  const known = 'code' in rule ? knownCode(rule.code) : undefined;
  const { min = -Infinity, max = Infinity } = known?.possible ?? {};
  if (parameter === 'amount') return value > 0 && value < max - min ? undefined : `must be above 0 and below ${max - min}`;
  return value >= min && value <= max ? undefined : `impossible threshold ${value}: ${known?.display ?? 'the value'} is between ${min} and ${max} ${known?.unit ?? ''}`.trimEnd();
}

/** JSON with object keys sorted at every level: the same document always gives the same text (and hash). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
