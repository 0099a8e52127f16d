import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { ruleSetFromDocument, type RuleDocument, type RuleSet } from './rule-set';
import type { EnrolmentChange } from './enrolment-course';
import { decideTriage, nextCheckAt, triageDecider, type AssessPatient, type RecordEnrolmentChange, type RecordMissedTask, type RegisterPatient, type TriageCommand } from './triage.decide';
import { currentOutcome, evolveTriage, initialTriageState, type PatientRegisteredForTriage, type PatientTriaged, type TriageEvent, type TriageInputRecorded, type TriageState } from './triage.events';
import { ENGINE_VERSION, evaluate, historyByCode, NO_OVERRIDES, reasonTexts, type Reason, type TriageInput } from './triage-rules';

const LOINC = 'http://loinc.org';
const SCORE = 'https://varde.no/fhir/CodeSystem/score';
const SPO2 = { system: LOINC, code: '2708-6' };
const PULSE = { system: LOINC, code: '8867-4' };
const RESP = { system: LOINC, code: '9279-1' };
const WEIGHT = { system: LOINC, code: '29463-7' };
const CAT = { system: SCORE, code: 'CAT' };

const rule = (r: Partial<RuleDocument> & Pick<RuleDocument, 'id' | 'kind' | 'colour' | 'reason'>): RuleDocument => r;
const documentRules: RuleDocument[] = [
  rule({ id: 'pulse-high', kind: 'threshold', code: 'loinc:8867-4', operator: 'gt', threshold: 110, unit: '/min', colour: 'yellow', reason: 'Pulse {value} {unit} is above {threshold} {unit}' }),
  rule({ id: 'spo2-low', kind: 'threshold', code: 'loinc:2708-6', operator: 'lt', threshold: 90, unit: '%', colour: 'red', reason: 'SpO2 {value} {unit} is below {threshold} {unit}' }),
  rule({ id: 'cat-high', kind: 'threshold', code: 'score:CAT', operator: 'ge', threshold: 21, unit: '{score}', colour: 'yellow', reason: 'CAT score {value} is {threshold} or more ({band} impact)' }),
  rule({ id: 'spo2-twice-below-92', kind: 'count', code: 'loinc:2708-6', operator: 'lt', threshold: 92, count: 2, window: 'PT24H', unit: '%', colour: 'yellow', reason: '{count} SpO2 readings below {threshold} {unit} within {window}' }),
  rule({ id: 'weight-gain', kind: 'delta', code: 'loinc:29463-7', direction: 'increase', amount: 1, window: 'P3D', unit: 'kg', colour: 'yellow', reason: 'Weight up {change} {unit} to {value} {unit} within {window}' }),
  rule({ id: 'pulse-rising', kind: 'trend', code: 'loinc:8867-4', direction: 'increase', slopePerDay: 5, minReadings: 3, window: 'P3D', unit: '/min', colour: 'yellow', reason: 'Pulse rising {slope} {unit} a day over {window}' }),
  rule({ id: 'resp-high', kind: 'threshold', code: 'loinc:9279-1', operator: 'gt', threshold: 20, unit: '/min', colour: 'yellow', reason: 'Respiratory rate {value} {unit} is above {threshold} {unit}' }),
  rule({ id: 'pulse-and-breathing', kind: 'all', of: ['pulse-high', 'resp-high'], colour: 'red', reason: 'Fast pulse with fast breathing: {reasons}' }),
  rule({ id: 'spo2-missing', kind: 'missing', code: 'loinc:2708-6', after: 'PT48H', colour: 'yellow', reason: 'No SpO2 reported for {hours} h' }),
];
const ruleSet: RuleSet = ruleSetFromDocument({ id: 'copd-default', pathway: 'copd', title: 'COPD', rules: documentRules }, 1, 'sha256:abc');

const metadata = (commandId: string, now: string): CommandMetadata => ({ commandId, correlationId: commandId, actor: { subject: 'varde-triage', role: 'system' }, now });

let position = 0;
const input = (code: TriageInput['code'], value: number, unit: string, effectiveTime: string, measurementId = `m-${code.code}-${effectiveTime}`): TriageInput => ({
  code,
  value,
  unit,
  effectiveTime,
  eventId: `ev-${code.code}-${value}-${effectiveTime}`,
  source: code.system === SCORE ? 'varde.forms.v1' : 'varde.measurements.v1',
  position: String(++position),
  measurementId,
});

const assess = (commandId: string, now: string, ...inputs: TriageInput[]): AssessPatient => ({
  type: 'AssessPatient',
  data: { patientId: 'p-1', pathwayId: 'copd', ruleSet, inputs },
  metadata: metadata(commandId, now),
});
const recorded = (i: TriageInput): TriageInputRecorded => ({ type: 'TriageInputRecorded', data: { patientId: 'p-1', input: i } });
const reason = (ruleId: string, colour: Reason['colour'], text: string, i: TriageInput, threshold: number): Reason => ({
  ruleId,
  kind: 'threshold',
  colour,
  text,
  code: i.code,
  value: i.value,
  unit: i.unit,
  threshold,
  inputEventId: i.eventId,
  effectiveTime: i.effectiveTime,
  inputs: [{ eventId: i.eventId, value: i.value, unit: i.unit, effectiveTime: i.effectiveTime }],
});
const triaged = (data: Partial<PatientTriaged['data']> & Pick<PatientTriaged['data'], 'assessmentId' | 'colour' | 'reasons' | 'colourSince' | 'assessedAt' | 'effectiveAt'>, inputs: TriageInput[]): PatientTriaged => ({
  type: 'PatientTriaged',
  data: {
    patientId: 'p-1',
    pathwayId: 'copd',
    previousColour: null,
    provenance: {
      inputs: inputs.map((i) => ({ eventId: i.eventId, source: i.source, position: i.position })),
      ruleSetId: 'copd-default',
      ruleSetVersion: 1,
      ruleSetHash: 'sha256:abc',
      engineVersion: ENGINE_VERSION,
      overridesVersion: 0,
    },
    revision: false,
    current: true,
    ...data,
  },
});

const spec = deciderSpec(triageDecider);
const registered: PatientRegisteredForTriage = {
  type: 'PatientRegisteredForTriage',
  data: { patientId: 'p-1', pathwayId: 'copd', enrolmentId: 'e-1', registeredAt: '2026-11-20T08:00:00.000Z' },
};
const register: RegisterPatient = {
  type: 'RegisterPatient',
  data: { patientId: 'p-1', pathwayId: 'copd', enrolmentId: 'e-1', enrolledAt: '2026-11-20T08:00:00.000Z' },
  metadata: metadata('enrol-1', '2026-11-20T08:00:01.000Z'),
};

const fold = (events: readonly TriageEvent[]): TriageState => events.reduce(evolveTriage, initialTriageState());
const decide = (given: readonly TriageEvent[], command: TriageCommand): TriageEvent[] => triageDecider.decide(command, fold(given)) as TriageEvent[];
const triagedOf = (events: readonly TriageEvent[]): PatientTriaged[] => events.filter((e): e is PatientTriaged => e.type === 'PatientTriaged');
const run = (given: readonly TriageEvent[], ...commands: TriageCommand[]): TriageEvent[] => commands.reduce<TriageEvent[]>((all, c) => [...all, ...decide(all, c)], [...given]);

describe('triage of a new patient', () => {
  it('registers an enrolled patient for the worklist', () => {
    spec.given([]).when(register).then([registered]);
  });

  it('turns red on SpO2 below 90, with the value in the reason and full provenance, from the time of the reading', () => {
    const spo2 = input(SPO2, 88, '%', '2026-11-21T07:00:00.000Z');
    spec
      .given([registered])
      .when(assess('a-1', '2026-11-21T07:05:00.000Z', spo2))
      .then([
        recorded(spo2),
        triaged({ assessmentId: 'a-1', colour: 'red', reasons: [reason('spo2-low', 'red', 'SpO2 88 % is below 90 %', spo2, 90)], colourSince: spo2.effectiveTime, effectiveAt: spo2.effectiveTime, assessedAt: '2026-11-21T07:05:00.000Z' }, [spo2]),
      ]);
  });

  it('turns yellow on a CAT score of 21 or more, naming the impact band', () => {
    const cat = input(CAT, 21, '{score}', '2026-11-21T07:00:00.000Z');
    spec
      .given([registered])
      .when(assess('a-1', '2026-11-21T07:05:00.000Z', cat))
      .then([
        recorded(cat),
        triaged({ assessmentId: 'a-1', colour: 'yellow', reasons: [reason('cat-high', 'yellow', 'CAT score 21 is 21 or more (high impact)', cat, 21)], colourSince: cat.effectiveTime, effectiveAt: cat.effectiveTime, assessedAt: '2026-11-21T07:05:00.000Z' }, [cat]),
      ]);
  });

  it('stays green since registration when every value is within thresholds', () => {
    const spo2 = input(SPO2, 96, '%', '2026-11-21T07:00:00.000Z');
    spec
      .given([registered])
      .when(assess('a-1', '2026-11-21T07:05:00.000Z', spo2))
      .then([recorded(spo2), triaged({ assessmentId: 'a-1', colour: 'green', reasons: [], colourSince: registered.data.registeredAt, effectiveAt: spo2.effectiveTime, assessedAt: '2026-11-21T07:05:00.000Z' }, [spo2])]);
  });

  it('takes the worst colour and lists reasons most urgent first, in rule order within a colour', () => {
    const pulse = input(PULSE, 120, '/min', '2026-11-21T07:00:00.000Z');
    const spo2 = input(SPO2, 87.5, '%', '2026-11-21T07:00:00.000Z');
    const cat = input(CAT, 25, '{score}', '2026-11-21T06:00:00.000Z');
    const [outcome] = triagedOf(decide([], assess('a-1', '2026-11-21T07:05:00.000Z', cat, pulse, spo2))).slice(-1);
    expect(outcome?.data.colour).toBe('red');
    expect(outcome?.data.reasons.map((r) => r.text)).toEqual(['SpO2 87.5 % is below 90 %', 'Pulse 120 /min is above 110 /min', 'CAT score 25 is 21 or more (high impact)']);
  });

  it('flags a value in another unit for review instead of comparing it', () => {
    const [outcome] = triagedOf(decide([], assess('a-1', '2026-11-21T07:05:00.000Z', input(SPO2, 0.85, '1', '2026-11-21T07:00:00.000Z'))));
    expect(outcome?.data.colour).toBe('yellow');
    expect(outcome?.data.reasons[0]?.text).toContain('review it by hand');
  });
});

describe('triage of a known patient', () => {
  const spo2 = input(SPO2, 95, '%', '2026-11-21T07:00:00.000Z');
  const green = [registered, recorded(spo2), triaged({ assessmentId: 'a-1', colour: 'green', reasons: [], colourSince: registered.data.registeredAt, effectiveAt: spo2.effectiveTime, assessedAt: '2026-11-21T07:05:00.000Z' }, [spo2])];

  it('records the new value but no assessment when the outcome is unchanged', () => {
    const later = input(SPO2, 97, '%', '2026-11-21T09:00:00.000Z');
    spec.given(green).when(assess('a-2', '2026-11-21T09:05:00.000Z', later)).then([recorded(later)]);
  });

  it('writes nothing for an input it already holds (a redelivered message under a new command)', () => {
    spec.given(green).when(assess('a-2', '2026-11-21T09:05:00.000Z', spo2)).thenNothing();
  });

  it('turns red keeping the previous colour; red stays red since its start when only the reasons change', () => {
    const low = input(SPO2, 85, '%', '2026-11-21T09:00:00.000Z');
    const lower = input(SPO2, 84, '%', '2026-11-21T10:00:00.000Z');
    const events = run(green, assess('a-3', '2026-11-21T09:05:00.000Z', low), assess('a-4', '2026-11-21T10:05:00.000Z', lower));
    const [first, second] = triagedOf(events).slice(-2);
    expect(first?.data).toMatchObject({ colour: 'red', previousColour: 'green', colourSince: low.effectiveTime });
    expect(second?.data).toMatchObject({ colour: 'red', previousColour: 'red', colourSince: low.effectiveTime });
    expect(second?.data.reasons.map((r) => r.text)).toEqual(['SpO2 84 % is below 90 %', '2 SpO2 readings below 92 % within 24 h']);
  });

  it('counts readings in a window: the second SpO2 below 92 within 24 h turns yellow, one alone does not', () => {
    const first = input(SPO2, 91, '%', '2026-11-21T09:00:00.000Z');
    const second = input(SPO2, 91.5, '%', '2026-11-22T08:00:00.000Z');
    const afterFirst = run(green, assess('a-2', '2026-11-21T09:05:00.000Z', first));
    expect(triagedOf(afterFirst)).toHaveLength(1);
    const [outcome] = triagedOf(decide(afterFirst, assess('a-3', '2026-11-22T08:05:00.000Z', second)));
    expect(outcome?.data).toMatchObject({ colour: 'yellow', reasons: [expect.objectContaining({ ruleId: 'spo2-twice-below-92', kind: 'count', text: '2 SpO2 readings below 92 % within 24 h' })] });
    expect(outcome?.data.reasons[0]?.inputs.map((i) => i.value)).toEqual([91, 91.5]);
  });

  it('compares a change over a window with the lowest value in it (weight up more than 1 kg in 3 days)', () => {
    const weights = [80, 79.5, 80.2].map((kg, day) => input(WEIGHT, kg, 'kg', `2026-11-2${day + 1}T07:00:00.000Z`));
    const up = input(WEIGHT, 80.8, 'kg', '2026-11-24T07:00:00.000Z');
    const given = run(green, assess('w-1', '2026-11-23T08:00:00.000Z', ...weights));
    const [outcome] = triagedOf(decide(given, assess('w-2', '2026-11-24T08:00:00.000Z', up)));
    // SpO2 was last sent three days ago, so the missing-report rule holds as well.
    expect(outcome?.data.reasons.map((r) => r.ruleId)).toEqual(['weight-gain', 'spo2-missing']);
    expect(outcome?.data.reasons[0]).toMatchObject({ kind: 'delta', value: 1.3, text: 'Weight up 1.3 kg to 80.8 kg within 3 days', inputs: [expect.objectContaining({ value: 79.5 }), expect.objectContaining({ value: 80.8 })] });
  });

  it('follows a trend: pulse rising more than 5 /min a day over 3 days', () => {
    const pulses = [70, 78, 86].map((bpm, day) => input(PULSE, bpm, '/min', `2026-11-2${day + 1}T07:00:00.000Z`));
    const [outcome] = triagedOf(run(green, assess('p-1', '2026-11-23T08:00:00.000Z', ...pulses))).slice(-1);
    expect(outcome?.data.reasons[0]).toMatchObject({ ruleId: 'pulse-rising', kind: 'trend', value: 8, text: 'Pulse rising 8 /min a day over 3 days' });
  });

  it('does not read a trend into readings spanning less than the rule\'s minimum span', () => {
    const spanning = ruleSetFromDocument(
      { id: 'copd-default', pathway: 'copd', title: 'COPD', rules: [{ ...documentRules.find((r) => r.id === 'pulse-rising')!, minSpan: 'P2D' }] },
      2,
      'sha256:def',
    );
    const withSpan = (commandId: string, now: string, ...inputs: TriageInput[]): AssessPatient => ({ ...assess(commandId, now, ...inputs), data: { ...assess(commandId, now, ...inputs).data, ruleSet: spanning } });
    // A device uploading a burst: 70, 78, 86 /min a minute apart is a slope of thousands a day over seconds.
    const burst = [70, 78, 86].map((bpm, minute) => input(PULSE, bpm, '/min', `2026-11-21T07:0${minute}:00.000Z`));
    expect(triagedOf(run(green, withSpan('b-1', '2026-11-21T08:00:00.000Z', ...burst))).every((e) => e.data.colour === 'green')).toBe(true);
    // The same rule without a minimum span turns yellow on it.
    expect(triagedOf(run(green, assess('b-2', '2026-11-21T08:00:00.000Z', ...burst))).slice(-1)[0]?.data.reasons[0]?.ruleId).toBe('pulse-rising');
    // Readings over two days do make a trend.
    const days = [70, 78, 86].map((bpm, day) => input(PULSE, bpm, '/min', `2026-11-2${day + 1}T07:00:00.000Z`));
    const [outcome] = triagedOf(run(green, withSpan('d-1', '2026-11-23T08:00:00.000Z', ...days))).slice(-1);
    expect(outcome?.data.reasons[0]).toMatchObject({ ruleId: 'pulse-rising', value: 8 });
  });

  it('combines rules: a fast pulse with fast breathing is red, with both reasons', () => {
    const [outcome] = triagedOf(decide(green, assess('c-1', '2026-11-21T09:05:00.000Z', input(PULSE, 115, '/min', '2026-11-21T09:00:00.000Z'), input(RESP, 24, '/min', '2026-11-21T09:00:00.000Z'))));
    expect(outcome?.data.colour).toBe('red');
    expect(outcome?.data.reasons[0]).toMatchObject({ ruleId: 'pulse-and-breathing', text: 'Fast pulse with fast breathing: Pulse 115 /min is above 110 /min; Respiratory rate 24 /min is above 20 /min' });
  });

  it('records every input one event carries (a blood pressure\'s components, a questionnaire\'s scores and answers)', () => {
    const pulse = { ...input(PULSE, 120, '/min', '2026-11-21T09:00:00.000Z'), eventId: 'one-event' };
    const resp = { ...input(RESP, 24, '/min', '2026-11-21T09:00:00.000Z'), eventId: 'one-event' };
    const events = decide(green, assess('b-1', '2026-11-21T09:05:00.000Z', pulse, resp));
    expect(events.filter((e) => e.type === 'TriageInputRecorded')).toHaveLength(2);
    expect(triagedOf(events)[0]?.data.colour).toBe('red');
    // Delivered again: nothing new.
    expect(decide([...green, ...events], assess('b-2', '2026-11-21T09:06:00.000Z', pulse, resp))).toEqual([]);
  });

  it('acts on a single questionnaire answer, whatever the total', () => {
    const withAnswerRule: RuleSet = ruleSetFromDocument(
      { id: 'copd-default', pathway: 'copd', title: 'COPD', rules: [...documentRules, rule({ id: 'breathless', kind: 'threshold', code: 'answer:cat/breathlessness', operator: 'ge', threshold: 5, unit: '{score}', colour: 'yellow', reason: 'Breathlessness {value} of 5' })] },
      2,
      'sha256:def',
    );
    const answer = input({ system: 'https://varde.no/fhir/CodeSystem/answer', code: 'cat/breathlessness' }, 5, '{score}', '2026-11-21T09:00:00.000Z');
    const command: AssessPatient = { ...assess('q-1', '2026-11-21T09:05:00.000Z', answer), data: { ...assess('q-1', '', answer).data, ruleSet: withAnswerRule } };
    const [outcome] = triagedOf(decide(green, command));
    expect(outcome?.data).toMatchObject({ colour: 'yellow', reasons: [expect.objectContaining({ ruleId: 'breathless', text: 'Breathlessness 5 of 5' })] });
  });

  it('does not register again', () => {
    spec.given(green).when(register).thenNothing();
    spec.given([{ ...registered, data: { ...registered.data, careTeamId: 'copd-care-team' } }]).when({ ...register, data: { ...register.data, careTeamId: 'copd-care-team' } }).thenNothing();
  });

  it('registers a patient assessed before their enrolment arrived, for their care team only, keeping the outcome', () => {
    const assessedFirst = green.slice(1);
    const late = { ...registered, data: { ...registered.data, careTeamId: 'copd-care-team' } };
    spec.given(assessedFirst).when({ ...register, data: { ...register.data, careTeamId: 'copd-care-team' } }).then([late]);
    const state = fold([...assessedFirst, late]);
    expect(state).toEqual({ ...fold(assessedFirst), careTeamId: 'copd-care-team' });
  });

  it('keeps the rule set the enrolment names, so later assessments need not ask pathways', () => {
    const withRuleSet = { ...register, data: { ...register.data, ruleSetId: 'copd-default', ruleSetVersion: 2 } };
    const kept = { ...registered, data: { ...registered.data, ruleSetId: 'copd-default', ruleSetVersion: 2 } };
    spec.given([]).when(withRuleSet).then([kept]);
    expect(fold([kept]).ruleSet).toEqual({ id: 'copd-default', version: 2 });
    spec.given([kept]).when(withRuleSet).thenNothing();
  });

  it('learns the rule set from an enrolment that arrives after the patient was registered or assessed without one', () => {
    const latest = { ...register, data: { ...register.data, ruleSetId: 'copd-default', ruleSetVersion: 0 } };
    const learnt = { ...registered, data: { ...registered.data, ruleSetId: 'copd-default', ruleSetVersion: 0 } };
    spec.given(green).when(latest).then([learnt]);
    expect(fold([...green, learnt])).toEqual({ ...fold(green), ruleSet: { id: 'copd-default', version: 0 } });
  });
});

describe('late and corrected data, in effective-time order', () => {
  const morning = input(SPO2, 96, '%', '2026-11-21T07:00:00.000Z');
  const evening = input(SPO2, 95, '%', '2026-11-21T19:00:00.000Z');
  const history = run([registered], assess('a-1', '2026-11-21T07:05:00.000Z', morning), assess('a-2', '2026-11-21T19:05:00.000Z', evening));

  it('a late low reading changes the past colour (a revision) and the later reading restores green now', () => {
    const late = input(SPO2, 86, '%', '2026-11-21T12:00:00.000Z');
    const events = decide(history, assess('a-3', '2026-11-22T09:00:00.000Z', late));
    expect(events[0]).toEqual(recorded(late));
    expect(triagedOf(events).map((e) => e.data)).toEqual([
      expect.objectContaining({ assessmentId: 'a-3', colour: 'red', previousColour: 'green', effectiveAt: late.effectiveTime, revision: true, current: false }),
      expect.objectContaining({ assessmentId: 'a-3.1', colour: 'green', previousColour: 'red', effectiveAt: evening.effectiveTime, revision: false, current: true, colourSince: evening.effectiveTime }),
    ]);
  });

  it('a late reading that completes a count within 24 h of the newest makes the patient yellow now', () => {
    const recent = run(history, assess('a-3', '2026-11-22T07:05:00.000Z', input(SPO2, 91, '%', '2026-11-22T07:00:00.000Z')));
    const late = input(SPO2, 91.8, '%', '2026-11-21T20:00:00.000Z');
    const [outcome] = triagedOf(decide(recent, assess('a-4', '2026-11-22T09:00:00.000Z', late))).slice(-1);
    expect(outcome?.data).toMatchObject({ colour: 'yellow', current: true, effectiveAt: '2026-11-22T07:00:00.000Z' });
  });

  it('a correction replaces the value of the same measurement and re-evaluates from its time', () => {
    const low = input(SPO2, 80, '%', '2026-11-22T07:00:00.000Z', 'm-typo');
    const red = run(history, assess('a-3', '2026-11-22T07:05:00.000Z', low));
    expect(currentOutcome(fold(red))?.colour).toBe('red');
    const corrected = { ...input(SPO2, 95, '%', '2026-11-22T07:00:00.000Z', 'm-typo'), eventId: 'ev-corrected' };
    const events = decide(red, assess('a-4', '2026-11-22T08:00:00.000Z', corrected));
    expect(triagedOf(events).map((e) => e.data)).toEqual([expect.objectContaining({ colour: 'green', previousColour: 'red', current: true })]);
    expect(fold([...red, ...events]).history['http://loinc.org|2708-6']?.map((i) => i.value)).toEqual([96, 95, 95]);
  });

  it('finds the value a correction replaces in a state its command was folded into twice (by deciding, then by the command handler)', () => {
    const low = input(SPO2, 80, '%', '2026-11-22T07:00:00.000Z', 'm-twice');
    const before = fold(history);
    const command = assess('a-3', '2026-11-22T07:05:00.000Z', low);
    // The handler folds the events it appends into the state the decider decided on, which folded them already.
    const red = decideTriage(command, before).reduce(evolveTriage, before);
    const corrected = { ...input(SPO2, 95, '%', '2026-11-22T07:00:00.000Z', 'm-twice'), eventId: 'ev-corrected-twice' };
    const after = decideTriage(assess('a-4', '2026-11-22T08:00:00.000Z', corrected), red).reduce(evolveTriage, red);
    expect(after.history['http://loinc.org|2708-6']?.map((i) => i.value)).toEqual([96, 95, 95]);
    expect(currentOutcome(after)?.colour).toBe('green');
  });

  it('a measurement entered in error no longer counts', () => {
    const low = input(SPO2, 80, '%', '2026-11-22T07:00:00.000Z', 'm-wrong-patient');
    const red = run(history, assess('a-3', '2026-11-22T07:05:00.000Z', low));
    const withdraw: AssessPatient = { ...assess('a-4', '2026-11-22T08:00:00.000Z'), data: { ...assess('a-4', '').data, withdrawals: [{ measurementId: 'm-wrong-patient', eventId: 'ev-eie', reason: 'wrong patient' }] } };
    const events = decide(red, withdraw);
    expect(events[0]).toEqual({ type: 'TriageInputWithdrawn', data: { patientId: 'p-1', measurementId: 'm-wrong-patient', eventId: 'ev-eie', reason: 'wrong patient' } });
    expect(triagedOf(events)[0]?.data).toMatchObject({ colour: 'green', previousColour: 'red', current: true });
  });

  it('gives the same outcome whatever order the same readings arrive in', () => {
    const readings = [input(SPO2, 91, '%', '2026-11-22T01:00:00.000Z'), input(PULSE, 120, '/min', '2026-11-22T02:00:00.000Z'), input(SPO2, 97, '%', '2026-11-22T03:00:00.000Z'), input(SPO2, 89, '%', '2026-11-22T04:00:00.000Z')];
    const outcomeOf = (order: TriageInput[]) => {
      const events = run([registered], ...order.map((r, i) => assess(`o-${i}`, '2026-11-22T05:00:00.000Z', r)));
      const current = currentOutcome(fold(events));
      return { colour: current?.colour, reasons: current?.reasons.map((r) => r.text) };
    };
    const expected = outcomeOf(readings);
    expect(expected).toEqual({ colour: 'red', reasons: ['SpO2 89 % is below 90 %', 'Pulse 120 /min is above 110 /min', '2 SpO2 readings below 92 % within 24 h'] });
    expect(outcomeOf([...readings].reverse())).toEqual(expected);
    expect(outcomeOf([readings[2]!, readings[0]!, readings[3]!, readings[1]!])).toEqual(expected);
  });

  it('decides readings in one command as one command each would: the same outcomes, each current when it was the newest', () => {
    const readings = [input(SPO2, 95, '%', '2026-11-22T01:00:00.000Z'), input(SPO2, 88, '%', '2026-11-22T02:00:00.000Z'), input(SPO2, 96, '%', '2026-11-22T03:00:00.000Z')];
    const shape = (events: readonly TriageEvent[]) => triagedOf(events).map((e) => ({ colour: e.data.colour, effectiveAt: e.data.effectiveAt, current: e.data.current, revision: e.data.revision }));
    const together = shape(decide([registered], assess('t', '2026-11-22T05:00:00.000Z', ...readings)));
    const alone = shape(run([registered], ...readings.map((r, i) => assess(`a-${i}`, '2026-11-22T05:00:00.000Z', r))).slice(1));
    expect(together).toEqual(alone);
    expect(together.map((d) => [d.colour, d.current])).toEqual([
      ['green', true],
      ['red', true],
      ['green', true],
    ]);
    // A reading older than the newest, in the same command, is only history: the last outcome is the one current.
    const late = shape(decide([registered], assess('l', '2026-11-22T05:00:00.000Z', readings[2]!, readings[1]!)));
    expect(late.map((d) => d.current)).toEqual([...late.slice(1).map(() => false), true]);
  });

  it('ends, whatever the order and the redeliveries, where one evaluation of the whole history at its latest point ends', () => {
    // The decider only visits what a change touches (binary searches of the sorted history); the whole-history
    // evaluation is the oracle it must agree with.
    const start = Date.parse('2026-11-20T09:00:00.000Z');
    const reading = fc.record({ spo2: fc.boolean(), value: fc.integer({ min: 0, max: 40 }), minute: fc.integer({ min: 0, max: 72 * 60 }) });
    fc.assert(
      fc.property(fc.uniqueArray(reading, { minLength: 1, maxLength: 25, selector: (r) => `${r.spo2}|${r.minute}` }), fc.array(fc.nat(), { maxLength: 8 }), fc.nat(), (readings, redeliveries, seed) => {
        const inputs = readings.map((r) => (r.spo2 ? input(SPO2, 80 + (r.value % 20), '%', new Date(start + r.minute * 60_000).toISOString()) : input(PULSE, 60 + r.value * 2, '/min', new Date(start + r.minute * 60_000).toISOString())));
        const order = [...inputs, ...redeliveries.map((i) => inputs[i % inputs.length]!)].map((value, i) => ({ value, key: (i * 7919 + seed) % 10_007 })).sort((a, b) => a.key - b.key).map((o) => o.value);
        const events = run([registered], ...order.map((r, i) => assess(`p-${i}`, '2026-11-23T10:00:00.000Z', r)));
        expect(events.filter((e) => e.type === 'TriageInputRecorded')).toHaveLength(inputs.length);
        const latest = new Date(Math.max(...inputs.map((i) => Date.parse(i.effectiveTime)))).toISOString();
        const oracle = evaluate({ ruleSet, overrides: NO_OVERRIDES, history: historyByCode(inputs), at: latest, registeredAt: registered.data.registeredAt });
        const current = currentOutcome(fold(events));
        expect({ colour: current?.colour, reasons: [...reasonTexts(current?.reasons ?? [])].sort() }).toEqual({ colour: oracle.colour, reasons: [...reasonTexts(oracle.reasons)].sort() });
        // The same readings in one command (a consumer run's batch) end in the same place.
        const together = currentOutcome(fold(run([registered], assess('together', '2026-11-23T10:00:00.000Z', ...order))));
        expect({ colour: together?.colour, reasons: together?.reasons.map((r) => r.text).sort() }).toEqual({ colour: current?.colour, reasons: current?.reasons.map((r) => r.text).sort() });
      }),
      { numRuns: 200 },
    );
  });
});

describe('missing reports', () => {
  const spo2 = input(SPO2, 95, '%', '2026-11-21T07:00:00.000Z');
  const given = run([registered], assess('a-1', '2026-11-21T07:05:00.000Z', spo2));

  it('schedules the check when the next report is due and turns yellow when it is checked without one', () => {
    expect(nextCheckAt(fold(given), ruleSet)).toBe('2026-11-23T07:00:00.000Z');
    const check: AssessPatient = { ...assess('check-1', '2026-11-23T07:01:00.000Z'), data: { ...assess('check-1', '').data, checkAt: '2026-11-23T07:00:00.000Z' } };
    const events = decide(given, check);
    expect(triagedOf(events)[0]?.data).toMatchObject({ colour: 'yellow', effectiveAt: '2026-11-23T07:00:00.000Z', reasons: [expect.objectContaining({ ruleId: 'spo2-missing', kind: 'missing', text: 'No SpO2 reported for 48 h' })] });
    expect(nextCheckAt(fold([...given, ...events]), ruleSet)).toBeUndefined();
  });

  it('turns a patient who never reported yellow at the moment the first report was due', () => {
    // Registered 2026-11-20T08:00 with nothing reported: due at 2026-11-22T08:00, checked an hour later.
    expect(nextCheckAt(fold([registered]), ruleSet)).toBe('2026-11-22T08:00:00.000Z');
    const check: AssessPatient = { ...assess('check-0', '2026-11-22T09:01:00.000Z'), data: { ...assess('check-0', '').data, checkAt: '2026-11-22T08:00:00.000Z' } };
    const [outcome] = triagedOf(decide([registered], check));
    expect(outcome?.data).toMatchObject({ colour: 'yellow', effectiveAt: '2026-11-22T08:00:00.000Z', reasons: [expect.objectContaining({ ruleId: 'spo2-missing' })] });
  });

  it('a report that was sent in time but arrives late takes the missing-report yellow back', () => {
    const check: AssessPatient = { ...assess('check-1', '2026-11-23T07:01:00.000Z'), data: { ...assess('check-1', '').data, checkAt: '2026-11-23T07:00:00.000Z' } };
    const yellow = run(given, check);
    const late = input(SPO2, 96, '%', '2026-11-22T20:00:00.000Z');
    const events = decide(yellow, assess('a-2', '2026-11-23T09:00:00.000Z', late));
    expect(triagedOf(events).map((e) => e.data)).toEqual([expect.objectContaining({ colour: 'green', effectiveAt: '2026-11-23T07:00:00.000Z', current: true })]);
  });
});

describe('the enrolment paused, resumed or discharged', () => {
  const spo2 = input(SPO2, 95, '%', '2026-11-21T07:00:00.000Z');
  const checked: AssessPatient = { ...assess('check-1', '2026-11-23T07:01:00.000Z'), data: { ...assess('check-1', '').data, checkAt: '2026-11-23T07:00:00.000Z' } };
  const yellow = run([registered], assess('a-1', '2026-11-21T07:05:00.000Z', spo2), checked);
  const change = (commandId: string, c: EnrolmentChange): RecordEnrolmentChange => ({ type: 'RecordEnrolmentChange', data: { patientId: 'p-1', pathwayId: 'copd', ruleSet, change: c }, metadata: metadata(commandId, c.at) });
  const paused = change('pause-1', { kind: 'paused', at: '2026-11-24T10:00:00.000Z', reason: 'admitted to hospital' });
  const resumed = change('resume-1', { kind: 'resumed', at: '2026-11-30T10:00:00.000Z' });

  it('takes the missing-report reason away from the pause on, and checks nothing while paused', () => {
    const events = decide(yellow, paused);
    expect(events[0]).toEqual({ type: 'TriageEnrolmentChanged', data: { patientId: 'p-1', change: paused.data.change } });
    expect(triagedOf(events).map((e) => e.data)).toEqual([expect.objectContaining({ colour: 'green', effectiveAt: '2026-11-24T10:00:00.000Z', current: true })]);
    expect(nextCheckAt(fold([...yellow, ...events]), ruleSet)).toBeUndefined();
    expect(decide([...yellow, ...events], paused)).toEqual([]);
  });

  it('counts a missing report from the resume, not from the last report before the pause', () => {
    const given = run(yellow, paused);
    const events = decide(given, resumed);
    expect(triagedOf(events)).toEqual([]);
    expect(nextCheckAt(fold([...given, ...events]), ruleSet)).toBe('2026-12-02T10:00:00.000Z');
    const check: AssessPatient = { ...assess('check-2', '2026-12-02T10:01:00.000Z'), data: { ...assess('check-2', '').data, checkAt: '2026-12-02T10:00:00.000Z' } };
    expect(triagedOf(decide([...given, ...events], check))[0]?.data).toMatchObject({ colour: 'yellow', reasons: [expect.objectContaining({ ruleId: 'spo2-missing', text: 'No SpO2 reported for 267 h' })] });
  });

  it('checks nothing after a discharge', () => {
    const events = run(yellow, change('discharge-1', { kind: 'discharged', at: '2026-11-24T10:00:00.000Z', reason: 'completed' }));
    expect(nextCheckAt(fold(events), ruleSet)).toBeUndefined();
    expect(currentOutcome(fold(events))).toMatchObject({ colour: 'green' });
  });

  it('records a change of pathway (the rule set from now on) and of care team, once', () => {
    const given = run([registered], assess('a-1', '2026-11-21T07:05:00.000Z', spo2));
    const moved = change('change-1', { kind: 'pathway-changed', at: '2026-11-22T10:00:00.000Z', pathwayId: 'heart-failure', ruleSetId: 'heart-failure-default', ruleSetVersion: 0 });
    const state = fold(run(given, moved, change('team-1', { kind: 'care-team-changed', at: '2026-11-22T11:00:00.000Z', careTeamId: 'hjertesvikt-care-team' })));
    expect(state).toMatchObject({ pathwayId: 'heart-failure', ruleSet: { id: 'heart-failure-default', version: 0 }, careTeamId: 'hjertesvikt-care-team' });
    expect(decide(run(given, moved), moved)).toEqual([]);
  });
});

describe('missed tasks', () => {
  const spo2 = input(SPO2, 95, '%', '2026-11-21T07:00:00.000Z');
  const given = run([registered], assess('a-1', '2026-11-21T07:05:00.000Z', spo2));
  const missed = (taskId: string, dueAt: string, windowEnd: string): RecordMissedTask => ({
    type: 'RecordMissedTask',
    data: { patientId: 'p-1', pathwayId: 'copd', ruleSet, task: { taskId, code: { system: LOINC, code: '2708-6' }, dueAt, windowEnd } },
    metadata: metadata(`missed-${taskId}`, windowEnd),
  });
  const task = missed('t-1', '2026-11-22T07:00:00.000Z', '2026-11-22T11:00:00.000Z');

  it("turns the patient yellow at the window's end through the missing-report rule of the task's code, before its own 48 h", () => {
    const events = decide(given, task);
    expect(events[0]).toEqual({ type: 'TriageTaskMissed', data: { patientId: 'p-1', task: task.data.task } });
    expect(triagedOf(events)[0]?.data).toMatchObject({
      colour: 'yellow',
      effectiveAt: '2026-11-22T11:00:00.000Z',
      reasons: [expect.objectContaining({ ruleId: 'spo2-missing', text: 'No SpO2 reported for 28 h (the task due 2026-11-22T07:00:00.000Z was missed)' })],
    });
    expect(decide([...given, ...events], task)).toEqual([]);
  });

  it('no longer counts once a report of the code comes, nor while the enrolment is paused', () => {
    const yellow = run(given, task);
    expect(triagedOf(decide(yellow, assess('a-2', '2026-11-22T12:00:00.000Z', input(SPO2, 94, '%', '2026-11-22T12:00:00.000Z'))))[0]?.data).toMatchObject({ colour: 'green' });
    const pause: RecordEnrolmentChange = { type: 'RecordEnrolmentChange', data: { patientId: 'p-1', pathwayId: 'copd', ruleSet, change: { kind: 'paused', at: '2026-11-22T08:00:00.000Z', reason: 'holiday' } }, metadata: metadata('pause', '2026-11-22T08:00:00.000Z') };
    expect(triagedOf(decide(run(given, pause), task))).toEqual([]);
  });

  it('does not count a task missed before the latest report', () => {
    const later = run(given, assess('a-2', '2026-11-22T12:00:00.000Z', input(SPO2, 94, '%', '2026-11-22T12:00:00.000Z')));
    expect(triagedOf(decide(later, missed('t-0', '2026-11-21T06:00:00.000Z', '2026-11-21T10:00:00.000Z')))).toEqual([]);
  });

  describe('of a questionnaire', () => {
    // A weekly PHQ-9: a rule names the questionnaire (by id or canonical url); a response is a report of it.
    const phq9Rules = ruleSetFromDocument(
      { id: 'mood', pathway: 'copd', title: 'Mood', rules: [rule({ id: 'phq9-missing', kind: 'missing', code: 'questionnaire:https://varde.no/fhir/Questionnaire/phq-9|1', after: 'P9D', colour: 'yellow', reason: 'No {display} answered for {hours} h' })] },
      1,
      'sha256:mood',
    );
    const PHQ9 = { system: 'https://varde.no/fhir/CodeSystem/questionnaire', code: 'phq-9' };
    const weekly: RecordMissedTask = {
      type: 'RecordMissedTask',
      data: { patientId: 'p-1', pathwayId: 'copd', ruleSet: phq9Rules, task: { taskId: 'phq9-w48', code: PHQ9, dueAt: '2026-11-23T07:00:00.000Z', windowEnd: '2026-11-24T21:00:00.000Z' } },
      metadata: metadata('missed-phq9-w48', '2026-11-24T21:00:00.000Z'),
    };
    const answeredOn = (at: string): AssessPatient => ({ type: 'AssessPatient', data: { patientId: 'p-1', pathwayId: 'copd', ruleSet: phq9Rules, inputs: [input(PHQ9, 1, '{response}', at)] }, metadata: metadata(`r-${at}`, at) });
    const answered = run([registered], answeredOn('2026-11-16T08:00:00.000Z'));

    it('turns the patient yellow when the task to answer it is missed, before the rule’s own 9 days', () => {
      expect(phq9Rules.rules[0]).toMatchObject({ code: PHQ9 });
      expect(triagedOf(decide(answered, weekly))[0]?.data).toMatchObject({
        colour: 'yellow',
        effectiveAt: '2026-11-24T21:00:00.000Z',
        reasons: [expect.objectContaining({ ruleId: 'phq9-missing', text: 'No phq-9 questionnaire answered for 205 h (the task due 2026-11-23T07:00:00.000Z was missed)' })],
      });
    });

    it('is green again once the questionnaire is answered, and a task that fell due before the latest answer does not count', () => {
      const late = run(answered, weekly);
      expect(triagedOf(decide(late, answeredOn('2026-11-25T09:00:00.000Z')))[0]?.data).toMatchObject({ colour: 'green' });
      expect(triagedOf(decide(run([registered], answeredOn('2026-11-23T10:00:00.000Z')), weekly))).toEqual([]);
    });
  });
});

describe('per-patient rule overrides', () => {
  const spo2 = input(SPO2, 88, '%', '2026-11-21T07:00:00.000Z');
  const red = run([registered], assess('a-1', '2026-11-21T07:05:00.000Z', spo2));
  const override = (value: number, reason = 'stable baseline 87-89 % for two years'): TriageCommand => ({
    type: 'SetRuleOverride',
    data: { patientId: 'p-1', pathwayId: 'copd', ruleSet, ruleId: 'spo2-low', parameter: 'threshold', value, reason },
    metadata: { ...metadata('o-1', '2026-11-21T10:00:00.000Z'), actor: { subject: 'dr-hansen', role: 'clinician' } },
  });

  it('a clinician sets a patient their own SpO2 threshold from their baseline: versioned, reason kept, re-assessed at once', () => {
    const events = decide(red, override(86));
    expect(events[0]).toEqual({
      type: 'RuleOverrideSet',
      data: { patientId: 'p-1', ruleId: 'spo2-low', parameter: 'threshold', value: 86, reason: 'stable baseline 87-89 % for two years', setBy: 'dr-hansen', setAt: '2026-11-21T10:00:00.000Z', overridesVersion: 1 },
    });
    expect(triagedOf(events)[0]?.data).toMatchObject({ colour: 'green', previousColour: 'red', current: true, provenance: expect.objectContaining({ overridesVersion: 1 }) });
    const lower = input(SPO2, 85, '%', '2026-11-21T12:00:00.000Z');
    expect(triagedOf(decide([...red, ...events], assess('a-2', '2026-11-21T12:05:00.000Z', lower)))[0]?.data.reasons[0]?.text).toBe('SpO2 85 % is below 86 %');
  });

  it('refuses an impossible value, an unknown rule, a parameter the rule lacks and a missing reason, writing nothing', () => {
    expect(() => decide(red, override(120))).toThrow(ValidationError);
    expect(() => decide(red, override(120))).toThrow(/impossible threshold 120: Oxygen saturation is between 0 and 100 %/);
    expect(() => decide(red, override(86, '  '))).toThrow(/reason: required/);
    expect(() => decide(red, { ...override(86), data: { ...(override(86).data as object), ruleId: 'nope' } } as TriageCommand)).toThrow(/has no rule "nope"/);
    expect(() => decide(red, { ...override(2), data: { ...(override(2).data as object), ruleId: 'spo2-missing' } } as TriageCommand)).toThrow(/a missing rule has no threshold to override/);
  });

  it('removing the override applies the rule set value again', () => {
    const withOverride = run(red, override(86));
    const events = decide(withOverride, { type: 'RemoveRuleOverride', data: { patientId: 'p-1', pathwayId: 'copd', ruleSet, ruleId: 'spo2-low', reason: 'baseline improved' }, metadata: metadata('o-2', '2026-11-22T10:00:00.000Z') });
    expect(events[0]).toMatchObject({ type: 'RuleOverrideRemoved', data: { overridesVersion: 2 } });
    expect(triagedOf(events)[0]?.data).toMatchObject({ colour: 'red', provenance: expect.objectContaining({ overridesVersion: 2 }) });
  });
});
