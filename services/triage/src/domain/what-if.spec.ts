import { describe, expect, it } from 'vitest';
import { describeDuration, parseDuration } from './duration';
import { ruleSetFromDocument, type RuleDocument } from './rule-set';
import type { TriageInput } from './triage-rules';
import { simulate } from './what-if';

const spo2Low = (threshold: number): RuleDocument => ({ id: 'spo2-low', kind: 'threshold', code: 'loinc:2708-6', operator: 'lt', threshold, unit: '%', colour: 'red', reason: 'SpO2 {value} {unit} below {threshold}' });
const missing: RuleDocument = { id: 'spo2-missing', kind: 'missing', code: 'loinc:2708-6', after: 'PT48H', colour: 'yellow', reason: 'No SpO2 for {hours} h' };
const ruleSet = (...rules: RuleDocument[]) => ruleSetFromDocument({ id: 'copd-default', pathway: 'copd', title: 'COPD', rules }, 1, 'sha256:x');

const day = (d: number, h = 8): string => new Date(Date.UTC(2026, 9, 1 + d, h)).toISOString();
let n = 0;
const reading = (value: number, at: string): TriageInput => ({ code: { system: 'http://loinc.org', code: '2708-6' }, value, unit: '%', effectiveTime: at, eventId: `e-${++n}`, source: 't', position: String(n) });
// Ten days of daily readings with a dip to 89 on day 3 and a three-day gap after day 6.
const history = [reading(95, day(0)), reading(94, day(1)), reading(93, day(2)), reading(89, day(3)), reading(94, day(4)), reading(95, day(5)), reading(95, day(6)), reading(96, day(9))];
const from = Date.parse(day(0, 0));
const to = Date.parse(day(10));

describe('what-if simulation', () => {
  it('counts moves to a more urgent colour as alerts and every change of colour', () => {
    const outcome = simulate(ruleSet(spo2Low(90), missing), history, day(0, 0), from, to);
    // Day 3 red (alert), day 4 green, day 8 08:00 missing report yellow (alert), day 9 green.
    expect(outcome).toMatchObject({ alerts: 2, colourChanges: 4, startColour: 'green', endColour: 'green', onsetsByRule: { 'spo2-low': 1, 'spo2-missing': 1 } });
    // Eight readings and the moment the missing report fell due.
    expect(outcome.evaluations).toBe(9);
  });

  it('a stricter candidate produces more alerts over the same history, a looser one fewer', () => {
    const dips = [95, 91, 95, 89, 95].map((v, d) => reading(v, day(d)));
    const published = simulate(ruleSet(spo2Low(90)), dips, undefined, from, to);
    const stricter = simulate(ruleSet(spo2Low(92)), dips, undefined, from, to);
    const looser = simulate(ruleSet(spo2Low(85)), dips, undefined, from, to);
    expect([looser.alerts, published.alerts, stricter.alerts]).toEqual([0, 1, 2]);
  });

  it('reads the history before the period for the colour the period starts with, and is deterministic', () => {
    const start = Date.parse(day(3, 12));
    const outcome = simulate(ruleSet(spo2Low(90)), history, undefined, start, to);
    expect(outcome.startColour).toBe('red');
    expect(outcome).toMatchObject({ alerts: 0, colourChanges: 1 });
    expect(simulate(ruleSet(spo2Low(90)), [...history].reverse(), undefined, start, to)).toEqual(outcome);
  });
});

describe('durations', () => {
  it('reads days, hours and minutes, and nothing of variable length', () => {
    expect(parseDuration('PT48H')).toBe(48 * 3_600_000);
    expect(parseDuration('P1DT12H30M')).toBe((36 * 60 + 30) * 60_000);
    for (const bad of ['P1M', 'P1Y', 'P', 'PT', 'PT0H', '48h', 'P1W']) expect(parseDuration(bad), bad).toBeUndefined();
    expect([describeDuration(24 * 3_600_000), describeDuration(3 * 86_400_000), describeDuration(90 * 60_000)]).toEqual(['24 h', '3 days', '90 min']);
  });
});
