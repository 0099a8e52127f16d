import { canonicalCode, knownCode, parseCode } from './code-catalogue';
import { DAY, HOUR, parseDuration } from './duration';

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

/** The longest window or missing-report span a rule may use: triage keeps this much history per code. */
export const MAX_WINDOW_MS = 30 * DAY;
/** The shortest missing-report span: shorter ones would flood the worklist between two daily reports. */
export const MIN_MISSING_MS = HOUR;

/** The rule set to evaluate, from a document `checkRuleSetDocument` found no problem in. */
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
