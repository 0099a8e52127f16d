import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleSetFromDocument } from '../domain/rule-set';
import { parseRuleSet, RULE_SETS_DIR, type LocatedProblem } from './rule-set.parser';

const copd = readFileSync(join(RULE_SETS_DIR, 'copd-default.yaml'), 'utf8');

const problemsOf = (source: string): readonly LocatedProblem[] => {
  const parsed = parseRuleSet(source);
  if (parsed.ok) throw new Error('expected problems, the rule set parsed');
  return parsed.problems;
};

// The 1-based line of the first line of `source` containing `text`.
const lineOf = (source: string, text: string, from = 0): number => source.split('\n').findIndex((l, i) => i >= from && l.includes(text)) + 1;

describe('rule set documents', () => {
  it('the shipped heart-failure rule set (pathway heart-failure) passes every check and cites a listed source for every rule', () => {
    const parsed = parseRuleSet(readFileSync(join(RULE_SETS_DIR, 'heart-failure-default.yaml'), 'utf8'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.ruleSet.document.pathway).toBe('heart-failure');
    for (const rule of parsed.ruleSet.document.rules) expect(parsed.ruleSet.document.sources?.[rule.source ?? 'none'], rule.id).toBeTruthy();
  });

  it('the shipped COPD rule set passes every check, cites a listed source for every rule and hashes its content', () => {
    const parsed = parseRuleSet(copd);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const { document, contentHash } = parsed.ruleSet;
    expect(document.rules.length).toBeGreaterThanOrEqual(15);
    for (const rule of document.rules) expect(document.sources?.[rule.source ?? 'none'], rule.id).toBeTruthy();
    expect(new Set(document.rules.map((r) => r.kind))).toEqual(new Set(['threshold', 'count', 'delta', 'trend', 'missing', 'all']));
    expect(contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Combinations come after the rules they name, whatever the document order.
    const ids = ruleSetFromDocument(document, 1, contentHash).rules.map((r) => r.id);
    expect(ids.indexOf('low-spo2-and-fast-breathing')).toBeGreaterThan(ids.indexOf('respiratory-rate-high'));
  });

  it('the hash depends on the content, not on comments, key order or JSON versus YAML', () => {
    const parsed = parseRuleSet(copd);
    if (!parsed.ok) throw new Error('copd did not parse');
    const { rules, title, ...rest } = parsed.ruleSet.document;
    const asJson = JSON.stringify({ rules, title, ...rest }, null, 2);
    const reparsed = parseRuleSet(`# a comment\n${asJson}`);
    expect(reparsed.ok && reparsed.ruleSet.contentHash).toBe(parsed.ruleSet.contentHash);
    const changed = parseRuleSet(copd.replace('threshold: 90', 'threshold: 89'));
    expect(changed.ok && changed.ruleSet.contentHash).not.toBe(parsed.ruleSet.contentHash);
  });

  it('refuses invalid syntax with its line', () => {
    const problems = problemsOf('id: copd-x\npathway: copd\ntitle: x\nrules:\n  - id: a\n    kind: [threshold\n');
    expect(problems[0]!.line).toBeGreaterThanOrEqual(6);
    expect(problems[0]!.message.length).toBeGreaterThan(5);
  });

  it('refuses an unknown measurement code at the line of the code, listing the known ones', () => {
    const source = copd.replace('code: loinc:8310-5', 'code: loinc:1234-5');
    const [problem] = problemsOf(source);
    expect(problem).toMatchObject({ path: ['rules', expect.any(Number), 'code'], line: lineOf(source, 'loinc:1234-5') });
    expect(problem!.message).toMatch(/unknown measurement code loinc:1234-5; known: .*loinc:2708-6 \(Oxygen saturation\)/);
  });

  it('accepts rules on single questionnaire answers and refuses an item the questionnaire does not have', () => {
    expect(parseRuleSet(copd).ok).toBe(true);
    const source = copd.replace('code: answer:cat/breathlessness', 'code: answer:cat/wheeze');
    const [problem] = problemsOf(source);
    expect(problem).toMatchObject({ line: lineOf(source, 'answer:cat/wheeze'), message: expect.stringContaining('unknown measurement code answer:cat/wheeze; known: ') });
    expect(problem!.message).toContain('answer:cat/breathlessness (CAT breathlessness)');
    expect(problemsOf(copd.replace('threshold: 5\n', 'threshold: 6\n'))[0]!.message).toBe('impossible threshold 6: CAT breathlessness is between 0 and 5 {score}');
  });

  it('accepts a missing-report rule on a questionnaire (by id or canonical url) and refuses it in a rule that compares values', () => {
    const withRule = (kindAndCode: string): string =>
      `id: mood\npathway: copd\ntitle: Mood\nrules:\n  - id: phq9\n${kindAndCode}\n    colour: yellow\n    reason: No {display} answered for {hours} h\n`;
    for (const code of ['questionnaire:phq-9', 'questionnaire:https://varde.no/fhir/Questionnaire/phq-9|1']) {
      const parsed = parseRuleSet(withRule(`    kind: missing\n    code: ${code}\n    after: P9D`));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      expect(ruleSetFromDocument(parsed.ruleSet.document, 1, 'x').rules[0]).toMatchObject({ code: { system: 'https://varde.no/fhir/CodeSystem/questionnaire', code: 'phq-9' } });
    }
    const source = withRule('    kind: threshold\n    code: questionnaire:phq-9\n    operator: ge\n    threshold: 10\n    unit: "{score}"').replace('No {display} answered for {hours} h', 'Score {value}');
    expect(problemsOf(source)[0]).toMatchObject({ line: lineOf(source, 'questionnaire:phq-9'), message: 'a threshold rule cannot name a questionnaire (questionnaire:phq-9), only a missing rule can; compare its scores with score:<code> or its answers with answer:<id>/<linkId>' });
  });

  it('refuses an impossible threshold and a unit that is not the canonical one', () => {
    const source = copd.replace('threshold: 90', 'threshold: 120').replace('unit: kg', 'unit: "[lb_av]"');
    const problems = problemsOf(source);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: lineOf(source, 'threshold: 120'), message: 'impossible threshold 120: Oxygen saturation is between 0 and 100 %' }),
        expect.objectContaining({ line: lineOf(source, '[lb_av]'), message: 'Body weight is compared in "kg", not "[lb_av]"' }),
      ]),
    );
  });

  it('refuses a trend whose minimum span is longer than its window, or not a duration', () => {
    const longer = copd.replace('minSpan: P2D', 'minSpan: P4D');
    expect(problemsOf(longer)).toEqual([expect.objectContaining({ line: lineOf(longer, 'minSpan: P4D'), message: "4 days is longer than the rule's window of 3 days: the rule could never hold" })]);
    const unreadable = copd.replace('minSpan: P2D', 'minSpan: two days');
    expect(problemsOf(unreadable)).toEqual([expect.objectContaining({ line: lineOf(unreadable, 'minSpan: two days') })]);
  });

  it('refuses a cycle of combinations, naming it', () => {
    const source = copd
      .replace('of: [spo2-low, respiratory-rate-high]', 'of: [spo2-low, both-again]')
      .concat('  - id: both-again\n    kind: all\n    of: [low-spo2-and-fast-breathing, pulse-high]\n    colour: red\n    reason: again {reasons}\n');
    const problems = problemsOf(source);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe('combinations form a cycle: low-spo2-and-fast-breathing → both-again → low-spo2-and-fast-breathing');
    expect(problems[0]!.line).toBe(lineOf(source, 'of: [spo2-low, both-again]'));
  });

  it('refuses a missing or empty reason, an unknown field and a bad placeholder, each at its line', () => {
    const source = copd
      .replace('reason: Pulse {value} {unit} is above {threshold} {unit}', "reason: ' '")
      .replace('reason: Pulse {value} {unit} is {threshold} {unit} or less', 'reason: Pulse {pulse}')
      .replace('    source: esc-hf-2021\n', '    source: esc-hf-2021\n    treshold: 3\n');
    const withoutReason = source.replace('    reason: Respiratory rate {value} {unit} is {threshold} {unit} or more\n', '');
    const problems = problemsOf(withoutReason);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: lineOf(withoutReason, "reason: ' '"), message: 'must not be empty' }),
        expect.objectContaining({ line: lineOf(withoutReason, 'treshold: 3'), message: 'unknown field "treshold"' }),
        expect.objectContaining({ message: '"reason" is required', line: lineOf(withoutReason, 'id: respiratory-rate-very-high') }),
      ]),
    );
    // Schema problems stop the check; with the schema satisfied the placeholder is refused.
    const placeholder = problemsOf(copd.replace('reason: Pulse {value} {unit} is {threshold} {unit} or less', 'reason: Pulse {pulse}'));
    expect(placeholder).toEqual([expect.objectContaining({ line: lineOf(copd, 'Pulse {value} {unit} is {threshold} {unit} or less'), message: expect.stringMatching(/^unknown placeholder \{pulse\}/) })]);
  });

  it('refuses windows longer than the history triage keeps, durations it cannot read, and duplicate rule ids', () => {
    const source = copd.replace('window: P3D\n    unit: kg', 'window: P40D\n    unit: kg').replace('after: P8D', 'after: P1M').replace('id: pulse-high\n', 'id: pulse-very-high\n');
    const messages = problemsOf(source).map((p) => p.message);
    expect(messages).toEqual(
      expect.arrayContaining(['40 days is longer than the 30 days of history triage keeps', '"P1M" is not a duration; write e.g. PT24H, P3D or P1DT12H', 'rule id "pulse-very-high" is used twice (also rules[3])']),
    );
  });
});
