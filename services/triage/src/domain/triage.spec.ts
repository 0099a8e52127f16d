import { describe, expect, it } from 'vitest';
import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { triageDecider, type AssessPatient, type RegisterPatient } from './triage.decide';
import type { PatientRegisteredForTriage, PatientTriaged, TriageEvent, TriageInputRecorded } from './triage.events';
import { ENGINE_VERSION, type Reason, type RuleSet, type TriageInput } from './triage-rules';

const LOINC = 'http://loinc.org';
const SCORE = 'https://varde.no/fhir/CodeSystem/score';
const SPO2 = { system: LOINC, code: '2708-6' };
const PULSE = { system: LOINC, code: '8867-4' };
const CAT = { system: SCORE, code: 'CAT' };

// The COPD rule set as pathways serves it, plus a pulse rule to show ordering across colours.
const ruleSet: RuleSet = {
  id: 'copd-default',
  version: 1,
  contentHash: 'sha256:abc',
  rules: [
    { id: 'pulse-high', code: PULSE, operator: 'gt', threshold: 110, unit: '/min', colour: 'yellow', reasonTemplate: 'Pulse {value} {unit} is above {threshold} {unit}' },
    { id: 'spo2-low', code: SPO2, operator: 'lt', threshold: 90, unit: '%', colour: 'red', reasonTemplate: 'SpO2 {value} {unit} is below {threshold} {unit}' },
    { id: 'cat-high', code: CAT, operator: 'ge', threshold: 21, unit: '{score}', colour: 'yellow', reasonTemplate: 'CAT score {value} is {threshold} or more (high impact)' },
  ],
};

const metadata = (commandId: string, now: string): CommandMetadata => ({ commandId, correlationId: commandId, actor: { subject: 'varde-triage', role: 'system' }, now });

let position = 0;
const input = (code: TriageInput['code'], value: number, unit: string, effectiveTime: string, eventId = `ev-${code.code}-${value}-${effectiveTime}`): TriageInput => ({
  code,
  value,
  unit,
  effectiveTime,
  eventId,
  source: code.system === SCORE ? 'varde.forms.v1' : 'varde.measurements.v1',
  position: String(++position),
});

const assess = (commandId: string, now: string, ...inputs: TriageInput[]): AssessPatient => ({
  type: 'AssessPatient',
  data: { patientId: 'p-1', pathwayId: 'copd', ruleSet, inputs },
  metadata: metadata(commandId, now),
});
const recorded = (i: TriageInput): TriageInputRecorded => ({ type: 'TriageInputRecorded', data: { patientId: 'p-1', input: i } });
const reason = (ruleId: string, colour: Reason['colour'], text: string, i: TriageInput, threshold: number): Reason => ({
  ruleId,
  colour,
  text,
  code: i.code,
  value: i.value,
  unit: i.unit,
  threshold,
  inputEventId: i.eventId,
  effectiveTime: i.effectiveTime,
});
const triaged = (data: Partial<PatientTriaged['data']> & Pick<PatientTriaged['data'], 'assessmentId' | 'colour' | 'reasons' | 'colourSince' | 'assessedAt'>, inputs: TriageInput[]): PatientTriaged => ({
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
    },
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

describe('triage of a new patient', () => {
  it('registers an enrolled patient for the worklist', () => {
    spec.given([]).when(register).then([registered]);
  });

  it('turns red on SpO2 below 90, with the value in the reason and full provenance', () => {
    const spo2 = input(SPO2, 88, '%', '2026-11-21T07:00:00.000Z');
    spec
      .given([registered])
      .when(assess('a-1', '2026-11-21T07:05:00.000Z', spo2))
      .then([
        recorded(spo2),
        triaged({ assessmentId: 'a-1', colour: 'red', reasons: [reason('spo2-low', 'red', 'SpO2 88 % is below 90 %', spo2, 90)], colourSince: '2026-11-21T07:05:00.000Z', assessedAt: '2026-11-21T07:05:00.000Z' }, [spo2]),
      ]);
  });

  it('turns yellow on a CAT score of 21 or more', () => {
    const cat = input(CAT, 21, '{score}', '2026-11-21T07:00:00.000Z');
    spec
      .given([registered])
      .when(assess('a-1', '2026-11-21T07:05:00.000Z', cat))
      .then([
        recorded(cat),
        triaged({ assessmentId: 'a-1', colour: 'yellow', reasons: [reason('cat-high', 'yellow', 'CAT score 21 is 21 or more (high impact)', cat, 21)], colourSince: '2026-11-21T07:05:00.000Z', assessedAt: '2026-11-21T07:05:00.000Z' }, [cat]),
      ]);
  });

  it('stays green since registration when every value is within thresholds', () => {
    const spo2 = input(SPO2, 96, '%', '2026-11-21T07:00:00.000Z');
    spec
      .given([registered])
      .when(assess('a-1', '2026-11-21T07:05:00.000Z', spo2))
      .then([recorded(spo2), triaged({ assessmentId: 'a-1', colour: 'green', reasons: [], colourSince: registered.data.registeredAt, assessedAt: '2026-11-21T07:05:00.000Z' }, [spo2])]);
  });

  it('is assessed even when the report arrives before the enrolment', () => {
    const cat = input(CAT, 10, '{score}', '2026-11-21T07:00:00.000Z');
    spec
      .given([])
      .when(assess('a-1', '2026-11-21T07:05:00.000Z', cat))
      .then([recorded(cat), triaged({ assessmentId: 'a-1', colour: 'green', reasons: [], colourSince: '2026-11-21T07:05:00.000Z', assessedAt: '2026-11-21T07:05:00.000Z' }, [cat])]);
  });

  it('takes the worst colour and lists reasons most urgent first, in rule order within a colour', () => {
    const pulse = input(PULSE, 120, '/min', '2026-11-21T07:00:00.000Z');
    const spo2 = input(SPO2, 87.5, '%', '2026-11-21T07:00:00.000Z');
    const cat = input(CAT, 25, '{score}', '2026-11-21T06:00:00.000Z');
    const events = triageDecider.decide(assess('a-1', '2026-11-21T07:05:00.000Z', cat, pulse, spo2), triageDecider.initialState()) as TriageEvent[];
    const outcome = events.find((e): e is PatientTriaged => e.type === 'PatientTriaged');
    expect(outcome?.data.colour).toBe('red');
    expect(outcome?.data.reasons.map((r) => r.text)).toEqual(['SpO2 87.5 % is below 90 %', 'Pulse 120 /min is above 110 /min', 'CAT score 25 is 21 or more (high impact)']);
  });

  it('flags a value in another unit for review instead of comparing it', () => {
    const spo2 = input(SPO2, 0.85, '1', '2026-11-21T07:00:00.000Z');
    const events = triageDecider.decide(assess('a-1', '2026-11-21T07:05:00.000Z', spo2), triageDecider.initialState()) as TriageEvent[];
    const outcome = events.find((e): e is PatientTriaged => e.type === 'PatientTriaged');
    expect(outcome?.data.colour).toBe('yellow');
    expect(outcome?.data.reasons[0]?.text).toContain('review it by hand');
  });
});

describe('triage of a green patient', () => {
  const spo2 = input(SPO2, 95, '%', '2026-11-21T07:00:00.000Z');
  const green = [registered, recorded(spo2), triaged({ assessmentId: 'a-1', colour: 'green', reasons: [], colourSince: registered.data.registeredAt, assessedAt: '2026-11-21T07:05:00.000Z' }, [spo2])];

  it('records the new value but no assessment when the outcome is unchanged', () => {
    const later = input(SPO2, 97, '%', '2026-11-21T09:00:00.000Z');
    spec.given(green).when(assess('a-2', '2026-11-21T09:05:00.000Z', later)).then([recorded(later)]);
  });

  it('turns red, keeping the previous colour and every held input in the provenance', () => {
    const cat = input(CAT, 12, '{score}', '2026-11-21T08:00:00.000Z');
    const low = input(SPO2, 85, '%', '2026-11-21T09:00:00.000Z');
    spec
      .given([...green, recorded(cat)])
      .when(assess('a-3', '2026-11-21T09:05:00.000Z', low))
      .then([
        recorded(low),
        triaged(
          { assessmentId: 'a-3', colour: 'red', previousColour: 'green', reasons: [reason('spo2-low', 'red', 'SpO2 85 % is below 90 %', low, 90)], colourSince: '2026-11-21T09:05:00.000Z', assessedAt: '2026-11-21T09:05:00.000Z' },
          [low, cat],
        ),
      ]);
  });

  it('ignores a late value taken before the one it holds', () => {
    const newer = input(SPO2, 96, '%', '2026-11-21T10:00:00.000Z');
    const late = input(SPO2, 80, '%', '2026-11-21T08:00:00.000Z');
    spec.given([...green, recorded(newer)]).when(assess('a-4', '2026-11-21T10:05:00.000Z', late)).thenNothing();
  });

  it('does not register again', () => {
    spec.given(green).when(register).thenNothing();
  });
});

describe('triage of a red patient', () => {
  const spo2 = input(SPO2, 88, '%', '2026-11-21T07:00:00.000Z');
  const redSince = '2026-11-21T07:05:00.000Z';
  const red = [registered, recorded(spo2), triaged({ assessmentId: 'a-1', colour: 'red', reasons: [reason('spo2-low', 'red', 'SpO2 88 % is below 90 %', spo2, 90)], colourSince: redSince, assessedAt: redSince }, [spo2])];

  it('keeps the red colour since when only the reasons change', () => {
    const lower = input(SPO2, 86, '%', '2026-11-21T08:00:00.000Z');
    spec
      .given(red)
      .when(assess('a-2', '2026-11-21T08:05:00.000Z', lower))
      .then([
        recorded(lower),
        triaged(
          { assessmentId: 'a-2', colour: 'red', previousColour: 'red', reasons: [reason('spo2-low', 'red', 'SpO2 86 % is below 90 %', lower, 90)], colourSince: redSince, assessedAt: '2026-11-21T08:05:00.000Z' },
          [lower],
        ),
      ]);
  });

  it('stays red when an older low value arrives late', () => {
    const older = input(SPO2, 70, '%', '2026-11-21T06:00:00.000Z');
    spec.given(red).when(assess('a-3', '2026-11-21T08:05:00.000Z', older)).thenNothing();
  });

  it('turns green again when the value recovers', () => {
    const recovered = input(SPO2, 94, '%', '2026-11-21T12:00:00.000Z');
    spec
      .given(red)
      .when(assess('a-4', '2026-11-21T12:05:00.000Z', recovered))
      .then([recorded(recovered), triaged({ assessmentId: 'a-4', colour: 'green', previousColour: 'red', reasons: [], colourSince: '2026-11-21T12:05:00.000Z', assessedAt: '2026-11-21T12:05:00.000Z' }, [recovered])]);
  });
});

describe('reasons of built-in scores', () => {
  it('names the CAT impact band when the rule asks for it', () => {
    const banded: RuleSet = { ...ruleSet, rules: [{ id: 'cat-band', code: CAT, operator: 'ge', threshold: 21, unit: '{score}', colour: 'yellow', reasonTemplate: 'CAT score {value} is {threshold} or more ({band} impact)' }] };
    const texts = (value: number) => {
      const cat = input(CAT, value, '{score}', '2026-11-21T07:00:00.000Z');
      const command: AssessPatient = { type: 'AssessPatient', data: { patientId: 'p-1', pathwayId: 'copd', ruleSet: banded, inputs: [cat] }, metadata: metadata('a-1', '2026-11-21T07:05:00.000Z') };
      const events = triageDecider.decide(command, triageDecider.initialState()) as TriageEvent[];
      return events.find((e): e is PatientTriaged => e.type === 'PatientTriaged')?.data.reasons.map((r) => r.text);
    };
    expect(texts(23)).toEqual(['CAT score 23 is 21 or more (high impact)']);
    expect(texts(33)).toEqual(['CAT score 33 is 21 or more (very high impact)']);
  });
});
