import { CAT_SCORE_CODE, catBand } from './scores/cat';

/** Triage colour: how urgently a patient needs attention. */
export type Colour = 'green' | 'yellow' | 'red';

/** Rank of each colour; a higher rank is more urgent and wins. */
export const COLOUR_RANK: Readonly<Record<Colour, number>> = { green: 1, yellow: 2, red: 3 };

/** Version of the rule engine, recorded in every assessment's provenance. */
export const ENGINE_VERSION = 'varde-triage/0.1.0';

/** Shown while an enrolled patient has reported nothing. */
export const NO_REPORTS_REASON = 'No reports yet';
/** Shown when the patient has reported and no rule matched. */
export const ALL_WITHIN_THRESHOLDS_REASON = 'All reported values within thresholds';

/** A code from a terminology (LOINC for measurements, Varde's score system for questionnaire scores). */
export type Code = Readonly<{ system: string; code: string }>;

/** A threshold rule of a rule set. */
export type TriageRule = Readonly<{
  id: string;
  code: Code;
  operator: 'lt' | 'le' | 'gt' | 'ge';
  threshold: number;
  unit: string;
  colour: Colour;
  reasonTemplate: string;
}>;

/** The versioned rule set a patient's pathway prescribes. */
export type RuleSet = Readonly<{ id: string; version: number; contentHash: string; rules: readonly TriageRule[] }>;

/** One coded value a patient reported, with where it was read from (for provenance). */
export type TriageInput = Readonly<{
  code: Code;
  value: number;
  unit: string;
  effectiveTime: string;
  /** Id of the integration event that carried the value. */
  eventId: string;
  /** Topic (or log) the event was read from. */
  source: string;
  /** Position of the event in that source (decimal, may exceed 2^53 in Kafka). */
  position: string;
}>;

/** Why a patient got their colour: one matching rule and the value that matched it. */
export type Reason = Readonly<{
  ruleId: string;
  colour: Colour;
  text: string;
  code: Code;
  value: number;
  unit: string;
  threshold: number;
  inputEventId: string;
  effectiveTime: string;
}>;

/** The result of evaluating a rule set: the worst colour and every reason, most urgent first. */
export type Evaluation = Readonly<{ colour: Colour; reasons: readonly Reason[] }>;

/** The key under which the latest input of a code is held. */
export const codeKey = (code: Code): string => `${code.system}|${code.code}`;

/**
 * Evaluates every rule against the latest input of its code. The colour is the worst matching rule's; a
 * value in a unit the rule does not use is never compared (it could hide a red value) but flagged yellow.
 */
export function evaluate(ruleSet: RuleSet, inputs: Readonly<Record<string, TriageInput>>): Evaluation {
  const reasons: Reason[] = [];
  for (const rule of ruleSet.rules) {
    const input = inputs[codeKey(rule.code)];
    if (!input) continue;
    if (input.unit !== rule.unit) {
      reasons.push(reasonFor(rule, input, 'yellow', `${rule.code.code} ${formatNumber(input.value)} was reported in "${input.unit}" but rule ${rule.id} compares in "${rule.unit}"; review it by hand`));
    } else if (holds(rule.operator, input.value, rule.threshold)) {
      reasons.push(reasonFor(rule, input, rule.colour, renderReason(rule.reasonTemplate, input.value, rule.unit, rule.threshold, bandOf(rule.code, input.value))));
    }
  }
  // Stable sort: rules of one colour keep the rule set's order.
  reasons.sort((a, b) => COLOUR_RANK[b.colour] - COLOUR_RANK[a.colour]);
  return { colour: reasons[0]?.colour ?? 'green', reasons };
}

/**
 * Fills a reason template's {value}, {unit} and {threshold} placeholders, and {band} with the built-in band of
 * a scored value (the CAT impact band: "CAT score {value} is {threshold} or more ({band} impact)").
 */
export function renderReason(template: string, value: number, unit: string, threshold: number, band = ''): string {
  return template.replaceAll('{value}', formatNumber(value)).replaceAll('{unit}', unit).replaceAll('{threshold}', formatNumber(threshold)).replaceAll('{band}', band);
}

const bandOf = (code: Code, value: number): string | undefined => (codeKey(code) === codeKey(CAT_SCORE_CODE) ? catBand(value) : undefined);

/** The texts a clinician sees for an evaluation. */
export const reasonTexts = (reasons: readonly Reason[]): readonly string[] => (reasons.length > 0 ? reasons.map((r) => r.text) : [ALL_WITHIN_THRESHOLDS_REASON]);

function holds(operator: TriageRule['operator'], value: number, threshold: number): boolean {
  switch (operator) {
    case 'lt':
      return value < threshold;
    case 'le':
      return value <= threshold;
    case 'gt':
      return value > threshold;
    case 'ge':
      return value >= threshold;
    default: {
      const _exhaustive: never = operator;
      return false;
    }
  }
}

function reasonFor(rule: TriageRule, input: TriageInput, colour: Colour, text: string): Reason {
  return {
    ruleId: rule.id,
    colour,
    text,
    code: rule.code,
    value: input.value,
    unit: input.unit,
    threshold: rule.threshold,
    inputEventId: input.eventId,
    effectiveTime: input.effectiveTime,
  };
}

// Up to two decimals, no trailing zeros: "88", "37.5".
const formatNumber = (n: number): string => String(Math.round(n * 100) / 100);
