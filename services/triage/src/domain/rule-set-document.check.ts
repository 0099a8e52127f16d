import { KNOWN_CODES, knownCode, parseCode, prefixOf, QUESTIONNAIRE_SYSTEM } from './code-catalogue';
import { describeDuration, parseDuration } from './duration';
import { MAX_WINDOW_MS, MIN_MISSING_MS, type RuleDocument, type RuleKind, type RuleSetDocument, type RuleSetProblem } from './rule-set';

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
  if (!code) return [{ path: at('code'), message: `"${rule.code}" is not a code; write loinc:<code>, score:<code>, questionnaire:<id> or <system>|<code>` }];
  // A questionnaire has no value to compare, only whether it was answered in time.
  if (code.system === QUESTIONNAIRE_SYSTEM && rule.kind !== 'missing') return [{ path: at('code'), message: `a ${rule.kind} rule cannot name a questionnaire (${rule.code}), only a missing rule can; compare its scores with score:<code> or its answers with answer:<id>/<linkId>` }];
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
