import { describeDuration, DAY } from './duration';
import { displayOf } from './code-catalogue';
import { courseAt, resumeTimes, type CourseChange, type MissedTask } from './enrolment-course';
import type { Code, Colour, Comparison, Rule, RuleSet } from './rule-set';
import { CAT_SCORE_CODE, catBand } from './scores/cat';

export type { Code, Colour, RuleSet } from './rule-set';

/** Rank of each colour; a higher rank is more urgent and wins. */
export const COLOUR_RANK: Readonly<Record<Colour, number>> = { green: 1, yellow: 2, red: 3 };

/** Version of the rule engine, recorded in every assessment's provenance. 0.2: rule kinds beyond thresholds, evaluation at a point in effective time. */
export const ENGINE_VERSION = 'varde-triage/0.2.0';

/** Shown while an enrolled patient has reported nothing. */
export const NO_REPORTS_REASON = 'No reports yet';
/** Shown when the patient has reported and no rule matched. */
export const ALL_WITHIN_THRESHOLDS_REASON = 'All reported values within thresholds';

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
  /** The measurement (or questionnaire response) the value belongs to: a correction replaces the value with the same id. */
  measurementId?: string;
}>;

/** A value a reason was computed from. */
export type ReasonInput = Readonly<{ eventId: string; value: number; unit: string; effectiveTime: string }>;

/** Why a patient got their colour: one rule that held, the values it held on and the threshold. */
export type Reason = Readonly<{
  ruleId: string;
  kind: Rule['kind'];
  colour: Colour;
  text: string;
  code: Code;
  /** The value the rule reports: the latest value, the change, the slope, or hours without a report. */
  value: number;
  unit: string;
  threshold: number;
  /** The newest input the rule used ("" when there was none, e.g. nothing ever reported). */
  inputEventId: string;
  effectiveTime: string;
  /** Every input the rule used. */
  inputs: readonly ReasonInput[];
}>;

/** The result of evaluating a rule set: the worst colour and every reason, most urgent first. */
export type Evaluation = Readonly<{ colour: Colour; reasons: readonly Reason[] }>;

/** What a clinician may change for one patient: a rule's threshold, change amount or count. */
export type OverrideParameter = 'threshold' | 'amount' | 'count';

/** A patient's own value for one parameter of one rule, with why it was set and by whom. */
export type RuleOverride = Readonly<{ ruleId: string; parameter: OverrideParameter; value: number; reason: string; setBy: string; setAt: string }>;

/** A patient's overrides: versioned, each change a new version. */
export type RuleOverrides = Readonly<{ version: number; entries: Readonly<Record<string, RuleOverride>> }>;

/** No overrides. */
export const NO_OVERRIDES: RuleOverrides = { version: 0, entries: {} };

/** Inputs per code ({@link codeKey}), oldest first (ties broken by event id, so order never depends on arrival). */
export type InputHistory = Readonly<Record<string, readonly TriageInput[]>>;

/** Everything an evaluation depends on; the same context always gives the same evaluation. */
export type EvaluationContext = Readonly<{
  ruleSet: RuleSet;
  overrides: RuleOverrides;
  history: InputHistory;
  /** The point in effective time evaluated at: inputs after it are not seen. */
  at: string;
  /** When the patient was registered: a missing report counts from here while nothing was reported. */
  registeredAt?: string;
  /** The enrolment's pauses, resumes and discharge: no report is missing while paused or discharged, and counts from a resume. */
  course?: readonly CourseChange[];
  /** Tasks of the pathway's schedule not done in their window: a missing-report rule of the task's code holds from the window's end. */
  missedTasks?: readonly MissedTask[];
}>;

/** The key under which the inputs of a code are held. */
export const codeKey = (code: Code): string => `${code.system}|${code.code}`;

// A memo, not state: its key is an input object (readonly, never changed after it is made) and its value is a pure
// function of that object's effectiveTime (an instant with its offset, so Date.parse gives the same number on any
// machine). No fold writes anything here that another reads back as history; emptying it at any moment changes no
// result, only the time to reach it, and an entry goes with its input (weak key). Carrying the parsed time on each
// held input instead measured 20-35 % slower per triage command when tried (#14 item 7): every input held would be copied as
// it enters the state, and a TriageInputRecorded event would store a number its effectiveTime already says.
const msCache = new WeakMap<TriageInput, number>();
/** Effective time of an input in epoch milliseconds (parsed once per input object: see the memo above). */
export function effectiveMs(input: TriageInput): number {
  let ms = msCache.get(input);
  if (ms === undefined) {
    ms = Date.parse(input.effectiveTime);
    msCache.set(input, ms);
  }
  return ms;
}

/** Orders inputs oldest first, ties by event id. */
export const byEffectiveTime = (a: TriageInput, b: TriageInput): number => effectiveMs(a) - effectiveMs(b) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/** Number of inputs (sorted oldest first) with an effective time at or before `at`. */
export function countUpTo(inputs: readonly TriageInput[], at: number): number {
  let lo = 0;
  let hi = inputs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (effectiveMs(inputs[mid]!) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The moments in [from, to] a missing-report rule becomes due: the last report of its code (or the
 * registration) plus the allowed gap, when no report came in between. Evaluating there is what a scheduled
 * check does, so a replay finds the same decisions.
 */
export function missingReportsDue(ruleSet: RuleSet, history: InputHistory, registeredAt: string | undefined, from: number, to: number, course?: readonly CourseChange[]): number[] {
  const due: number[] = [];
  for (const rule of ruleSet.rules) {
    if (rule.kind !== 'missing') continue;
    // Only reports whose gap ends in [from, to] can be due, plus the one after the last of them (does it close
    // the gap?): a slice of the sorted history, so the cost follows the span assessed, not the history held.
    const inputs = history[codeKey(rule.code)] ?? [];
    const first = countUpTo(inputs, from - rule.afterMs - 1);
    const last = countUpTo(inputs, to - rule.afterMs);
    const times = inputs.slice(first, last + 1).map(effectiveMs);
    if (registeredAt !== undefined) times.push(Date.parse(registeredAt));
    times.push(...resumeTimes(course));
    times.sort((a, b) => a - b);
    times.forEach((t, i) => {
      const moment = t + rule.afterMs;
      const next = times[i + 1];
      if (moment >= from && moment <= to && (next === undefined || next > moment) && courseAt(course, moment).status === 'active') due.push(moment);
    });
  }
  return due;
}

/** Inputs grouped by code ({@link codeKey}), each group oldest first. */
export function historyByCode(inputs: readonly TriageInput[]): Record<string, TriageInput[]> {
  const history: Record<string, TriageInput[]> = {};
  for (const input of [...inputs].sort(byEffectiveTime)) (history[codeKey(input.code)] ??= []).push(input);
  return history;
}

/** The rules with the patient's overrides applied. */
export function withOverrides(rules: readonly Rule[], overrides: RuleOverrides): readonly Rule[] {
  if (overrides.version === 0) return rules;
  return rules.map((rule) => {
    const o = overrides.entries[rule.id];
    return o ? ({ ...rule, [o.parameter]: o.value } as Rule) : rule;
  });
}

/**
 * Evaluates every rule at one point in effective time. The colour is the worst holding rule's; a combination
 * holds when all the rules it names hold. A value in a unit a rule does not use is never compared (it could
 * hide a red value) but flagged yellow for review.
 */
export function evaluate(context: EvaluationContext): Evaluation {
  const at = Date.parse(context.at);
  const held = new Map<string, Reason>();
  const reasons: Reason[] = [];
  for (const rule of withOverrides(context.ruleSet.rules, context.overrides)) {
    const reason = rule.kind === 'all' ? combination(rule, held) : ruleReason(rule, context, at);
    if (!reason) continue;
    reasons.push(reason);
    if (reason.ruleId === rule.id && reason.kind === rule.kind && reason.colour === rule.colour) held.set(rule.id, reason);
  }
  // Stable sort: rules of one colour keep the rule set's order.
  reasons.sort((a, b) => COLOUR_RANK[b.colour] - COLOUR_RANK[a.colour]);
  return { colour: reasons[0]?.colour ?? 'green', reasons };
}

function ruleReason(rule: Exclude<Rule, { kind: 'all' }>, context: EvaluationContext, at: number): Reason | undefined {
  const all = context.history[codeKey(rule.code)] ?? [];
  // Indexes into the sorted inputs, no copies: evaluation runs at every point of a what-if over months of history.
  const end = countUpTo(all, at);
  if (rule.kind === 'missing') return missing(rule, all[end - 1], context, at);
  const latest = all[end - 1];
  if (!latest) return undefined;
  if (latest.unit !== rule.unit) {
    return reasonOf(rule, 'yellow', `${displayOf(rule.code)} ${formatNumber(latest.value)} was reported in "${latest.unit}" but rule ${rule.id} compares in "${rule.unit}"; review it by hand`, latest.value, latest.unit, 0, [latest]);
  }
  // The inputs in the rule's unit after `from` (exclusive) up to the point.
  const since = (from: number): TriageInput[] => all.slice(countUpTo(all, from), end).filter((i) => i.unit === rule.unit);
  switch (rule.kind) {
    case 'threshold': {
      if (!holds(rule.operator, latest.value, rule.threshold)) return undefined;
      const band = codeKey(rule.code) === codeKey(CAT_SCORE_CODE) ? catBand(latest.value) : '';
      return reasonOf(rule, rule.colour, render(rule.reasonTemplate, { value: latest.value, unit: rule.unit, threshold: rule.threshold, band, display: displayOf(rule.code) }), latest.value, rule.unit, rule.threshold, [latest]);
    }
    case 'count': {
      const matching = since(at - rule.windowMs).filter((i) => holds(rule.operator, i.value, rule.threshold));
      if (matching.length < rule.count) return undefined;
      const newest = matching[matching.length - 1]!;
      const text = render(rule.reasonTemplate, { count: matching.length, window: describeDuration(rule.windowMs), threshold: rule.threshold, unit: rule.unit, value: newest.value, display: displayOf(rule.code) });
      return reasonOf(rule, rule.colour, text, newest.value, rule.unit, rule.threshold, matching);
    }
    case 'delta': {
      // The window before the latest value, its start included.
      const before = since(effectiveMs(latest) - rule.windowMs - 1).filter((i) => i !== latest);
      if (before.length === 0) return undefined;
      const baseline = before.reduce((best, i) => (rule.direction === 'increase' ? (i.value < best.value ? i : best) : i.value > best.value ? i : best));
      const change = roundTiny(rule.direction === 'increase' ? latest.value - baseline.value : baseline.value - latest.value);
      if (!(change > rule.amount)) return undefined;
      const text = render(rule.reasonTemplate, { value: latest.value, baseline: baseline.value, change, amount: rule.amount, unit: rule.unit, window: describeDuration(rule.windowMs), display: displayOf(rule.code) });
      return reasonOf(rule, rule.colour, text, change, rule.unit, rule.amount, [baseline, latest]);
    }
    case 'trend': {
      const window = since(effectiveMs(latest) - rule.windowMs);
      if (window.length < rule.minReadings) return undefined;
      // A slope per day from readings seconds apart (a device uploading a burst) says nothing about days.
      if (rule.minSpanMs > 0 && effectiveMs(latest) - effectiveMs(window[0]!) < rule.minSpanMs) return undefined;
      const slope = roundTiny(slopePerDay(window));
      if (!(rule.direction === 'increase' ? slope > rule.slopePerDay : slope < -rule.slopePerDay)) return undefined;
      const text = render(rule.reasonTemplate, { value: latest.value, slope, slopePerDay: rule.slopePerDay, unit: rule.unit, window: describeDuration(rule.windowMs), readings: window.length, display: displayOf(rule.code) });
      return reasonOf(rule, rule.colour, text, slope, `${rule.unit}/d`, rule.slopePerDay, window);
    }
    default: {
      const _exhaustive: never = rule;
      return undefined;
    }
  }
}

/**
 * A missing-report rule holds at `at` while the enrolment is active, when nothing of its code was reported for its
 * `after` since the last report (or the registration, or the latest resume, whichever is later), or when a task of
 * its code was missed (its window ended by `at`) and nothing of the code was reported since the task fell due.
 */
function missing(rule: Extract<Rule, { kind: 'missing' }>, last: TriageInput | undefined, context: EvaluationContext, at: number): Reason | undefined {
  const course = courseAt(context.course, at);
  if (course.status !== 'active') return undefined;
  const reported = last ? effectiveMs(last) : context.registeredAt === undefined ? course.since : Date.parse(context.registeredAt);
  const counted = Math.max(reported ?? Number.NEGATIVE_INFINITY, course.since ?? Number.NEGATIVE_INFINITY);
  const task = missedTaskAt(rule, context.missedTasks, at, Math.max(last ? effectiveMs(last) : Number.NEGATIVE_INFINITY, course.since ?? Number.NEGATIVE_INFINITY));
  const late = Number.isFinite(counted) && counted <= at && at - counted >= rule.afterMs;
  if (!late && !task) return undefined;
  const since = reported ?? Date.parse(task!.dueAt);
  const hours = Math.floor((at - since) / 3_600_000);
  const rendered = render(rule.reasonTemplate, { hours, after: describeDuration(rule.afterMs), display: displayOf(rule.code) });
  const text = task && !late ? `${rendered} (the task due ${task.dueAt} was missed)` : rendered;
  return {
    ruleId: rule.id,
    kind: rule.kind,
    colour: rule.colour,
    text,
    code: rule.code,
    value: hours,
    unit: 'h',
    threshold: rule.afterMs / 3_600_000,
    inputEventId: last?.eventId ?? '',
    effectiveTime: new Date(since).toISOString(),
    inputs: last ? [reasonInput(last)] : [],
  };
}

function combination(rule: Extract<Rule, { kind: 'all' }>, held: ReadonlyMap<string, Reason>): Reason | undefined {
  const parts = rule.of.map((id) => held.get(id));
  if (parts.some((p) => p === undefined)) return undefined;
  const reasons = parts as Reason[];
  const newest = reasons.reduce((a, b) => (Date.parse(b.effectiveTime) > Date.parse(a.effectiveTime) ? b : a));
  const inputs = [...new Map(reasons.flatMap((r) => r.inputs).map((i) => [i.eventId, i])).values()];
  return {
    ruleId: rule.id,
    kind: rule.kind,
    colour: rule.colour,
    text: render(rule.reasonTemplate, { reasons: reasons.map((r) => r.text).join('; ') }),
    code: newest.code,
    value: newest.value,
    unit: newest.unit,
    threshold: newest.threshold,
    inputEventId: newest.inputEventId,
    effectiveTime: newest.effectiveTime,
    inputs,
  };
}

function reasonOf(rule: Exclude<Rule, { kind: 'all' | 'missing' }>, colour: Colour, text: string, value: number, unit: string, threshold: number, inputs: readonly TriageInput[]): Reason {
  const newest = inputs[inputs.length - 1]!;
  return { ruleId: rule.id, kind: rule.kind, colour, text, code: rule.code, value, unit, threshold, inputEventId: newest.eventId, effectiveTime: newest.effectiveTime, inputs: inputs.map(reasonInput) };
}

const reasonInput = (i: TriageInput): ReasonInput => ({ eventId: i.eventId, value: i.value, unit: i.unit, effectiveTime: i.effectiveTime });

// Least-squares slope of value over time, in units per day.
function slopePerDay(inputs: readonly TriageInput[]): number {
  const t0 = effectiveMs(inputs[0]!);
  const xs = inputs.map((i) => (effectiveMs(i) - t0) / DAY);
  const ys = inputs.map((i) => i.value);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - meanX) * (ys[i]! - meanY);
    den += (x - meanX) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

/** Fills a reason template's `{name}` placeholders; numbers are shown with up to two decimals. */
export function render(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([^}]*)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

/** The texts a clinician sees for an evaluation. */
export const reasonTexts = (reasons: readonly Reason[]): readonly string[] => (reasons.length > 0 ? reasons.map((r) => r.text) : [ALL_WITHIN_THRESHOLDS_REASON]);

function holds(operator: Comparison, value: number, threshold: number): boolean {
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

// Binary floating point noise (80.8 − 79.5 = 1.2999999999999972) removed, so recorded values read as written.
const roundTiny = (n: number): number => Math.round(n * 1e9) / 1e9;

// Up to two decimals, no trailing zeros: "88", "37.5".
const formatNumber = (n: number): string => String(Math.round(n * 100) / 100);

/** The latest task of the rule's code missed by `at` that fell due after `after` (the last report, or the latest resume). */
function missedTaskAt(rule: Extract<Rule, { kind: 'missing' }>, tasks: readonly MissedTask[] | undefined, at: number, after: number): MissedTask | undefined {
  const key = codeKey(rule.code);
  let found: MissedTask | undefined;
  for (const task of tasks ?? []) {
    if (codeKey(task.code) !== key || Date.parse(task.windowEnd) > at || !(Date.parse(task.dueAt) > after)) continue;
    if (!found || Date.parse(task.windowEnd) > Date.parse(found.windowEnd)) found = task;
  }
  return found;
}
