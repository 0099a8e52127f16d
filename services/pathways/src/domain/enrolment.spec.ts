import { describe, expect, it } from 'vitest';
import { IllegalStateError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { enrolmentDecider, type ChangeCareTeam, type ChangePathway, type DischargePatient, type EnrolPatient, type PauseEnrolment, type ResumeEnrolment } from './enrolment.decide';
import type { EnrolmentPaused, EnrolmentResumed, PatientDischarged, PatientEnrolled } from './enrolment.events';
import type { PathwayVersion } from './pathway-definition';

const at = (now: string): CommandMetadata => ({ commandId: `c-${now}`, correlationId: 'c-1', actor: { subject: 'nurse-1', role: 'clinician' }, now });
const metadata = at('2026-11-22T08:00:00.000Z');
const later = at('2026-12-01T08:00:00.000Z');
const COPD_PATHWAY: PathwayVersion = { id: 'copd', version: 1, title: 'KOLS', activities: [], ruleSet: { id: 'copd-default', version: 0 }, defaultCareTeam: 'copd-care-team' };
const HEART_FAILURE: PathwayVersion = { id: 'heart-failure', version: 1, title: 'Hjertesvikt', activities: [], ruleSet: { id: 'heart-failure-default', version: 0 }, defaultCareTeam: 'hjertesvikt-ous' };

const enrol = (pathway: PathwayVersion = COPD_PATHWAY, careTeamId = 'lungepoliklinikken-ahus', m = metadata): EnrolPatient => ({
  type: 'EnrolPatient',
  data: { patientId: 'p-1', enrolmentId: m === metadata ? 'e-1' : 'e-2', pathway, careTeamId },
  metadata: m,
});
const pause = (reason = 'admitted to hospital', until?: string, m = later): PauseEnrolment => ({ type: 'PauseEnrolment', data: { reason, ...(until ? { until } : {}) }, metadata: m });
const resume = (m = later): ResumeEnrolment => ({ type: 'ResumeEnrolment', data: {}, metadata: m });
const changePathway = (pathway: PathwayVersion, reason?: string): ChangePathway => ({ type: 'ChangePathway', data: { pathway, ...(reason ? { reason } : {}) }, metadata: later });
const changeTeam = (careTeamId: string): ChangeCareTeam => ({ type: 'ChangeCareTeam', data: { careTeamId }, metadata: later });
const discharge = (reason: DischargePatient['data']['reason'] = 'completed'): DischargePatient => ({ type: 'DischargePatient', data: { reason }, metadata: later });

const enrolled: PatientEnrolled = {
  type: 'PatientEnrolled',
  data: { patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', pathwayVersion: 1, ruleSetId: 'copd-default', ruleSetVersion: 0, enrolledAt: metadata.now, careTeamId: 'lungepoliklinikken-ahus' },
};
const paused: EnrolmentPaused = { type: 'EnrolmentPaused', data: { patientId: 'p-1', enrolmentId: 'e-1', reason: 'admitted to hospital', pausedAt: later.now } };
const resumed: EnrolmentResumed = { type: 'EnrolmentResumed', data: { patientId: 'p-1', enrolmentId: 'e-1', resumedAt: later.now } };
const discharged: PatientDischarged = {
  type: 'PatientDischarged',
  data: { patientId: 'p-1', enrolmentId: 'e-1', reason: 'readmitted', dischargedAt: later.now, pathwayId: 'copd', careTeamId: 'lungepoliklinikken-ahus' },
};
// Recorded before enrolments named a care team.
const { careTeamId: _none, ...legacyData } = enrolled.data;
const enrolledBeforeCareTeams: PatientEnrolled = { type: 'PatientEnrolled', data: legacyData };
const spec = deciderSpec(enrolmentDecider);
const refusedWith = (text: string) => (error: Error) => expect(error.message).toContain(text);

describe('enrolment, when the patient is not enrolled', () => {
  it('enrols on the pathway version with its rule set and care team', () => {
    spec.given([]).when(enrol()).then([enrolled]);
  });

  it('lists the questionnaires the pathway version asks for (each once), for forms to assign; a pathway asking for none lists nothing', () => {
    const cat = (id: string, schedule: PathwayVersion['activities'][number]['schedule']) => ({ id, title: 'CAT', kind: 'questionnaire' as const, questionnaire: 'https://varde.no/fhir/Questionnaire/cat|1', schedule });
    const spo2 = { id: 'spo2|1', title: 'SpO2', kind: 'measurement' as const, loinc: '2708-6', schedule: { period: 1, periodUnit: 'd' as const, timeOfDay: ['08:00:00'], window: 'PT4H' } };
    const withCat: PathwayVersion = { ...COPD_PATHWAY, activities: [spo2, cat('cat-monday|1', { dayOfWeek: ['mon'], timeOfDay: ['08:00:00'], window: 'P2D' }), cat('cat-thursday|1', { dayOfWeek: ['thu'], timeOfDay: ['08:00:00'], window: 'P2D' })] };
    spec.given([]).when(enrol(withCat)).then([{ ...enrolled, data: { ...enrolled.data, questionnaires: ['https://varde.no/fhir/Questionnaire/cat|1'] } }]);
    spec.given([]).when(enrol()).then([enrolled]);
  });

  it.each([pause(), resume(), changePathway(HEART_FAILURE), changeTeam('hjertesvikt-ous'), discharge()])('refuses $type: there is no enrolment', (command) => {
    spec.given([]).when(command).thenThrows(IllegalStateError, refusedWith('not enrolled'));
  });
});

describe('enrolment, when the patient is enrolled (active)', () => {
  it('changes nothing when enrolled again on the same pathway', () => {
    spec.given([enrolled]).when(enrol()).thenNothing();
  });

  it('refuses enrolment with another care team or on another pathway, naming the command to use', () => {
    spec.given([enrolled]).when(enrol(COPD_PATHWAY, 'hjertesvikt-ous')).thenThrows(IllegalStateError, refusedWith('change-care-team'));
    spec.given([enrolled]).when(enrol(HEART_FAILURE)).thenThrows(IllegalStateError, refusedWith('change-pathway'));
  });

  it("counts an enrolment recorded before care teams as one with the pathway's default team", () => {
    spec.given([enrolledBeforeCareTeams]).when(enrol(COPD_PATHWAY, COPD_PATHWAY.defaultCareTeam)).thenNothing();
    spec.given([enrolledBeforeCareTeams]).when(enrol(COPD_PATHWAY, 'lungepoliklinikken-ahus')).thenThrows(IllegalStateError);
  });

  it('pauses with a reason and an optional end date', () => {
    spec.given([enrolled]).when(pause()).then([paused]);
    spec.given([enrolled]).when(pause('holiday', '2026-12-15T00:00:00.000Z')).then([{ ...paused, data: { ...paused.data, reason: 'holiday', until: '2026-12-15T00:00:00.000Z' } }]);
  });

  it('refuses a pause whose end date is not in the future', () => {
    spec.given([enrolled]).when(pause('holiday', '2026-11-30T00:00:00.000Z')).thenThrows(ValidationError, (e) => expect(e.issues[0]?.field).toBe('until'));
  });

  it('refuses a resume: it is not paused', () => {
    spec.given([enrolled]).when(resume()).thenThrows(IllegalStateError, refusedWith('not paused'));
  });

  it('changes to another pathway, naming both and the new rule set', () => {
    spec.given([enrolled]).when(changePathway(HEART_FAILURE, 'diagnosis revised')).then([
      {
        type: 'PathwayChanged',
        data: {
          patientId: 'p-1', enrolmentId: 'e-1', previousPathwayId: 'copd', previousPathwayVersion: 1, pathwayId: 'heart-failure', pathwayVersion: 1,
          ruleSetId: 'heart-failure-default', ruleSetVersion: 0, changedAt: later.now, reason: 'diagnosis revised',
        },
      },
    ]);
  });

  it("lists the new pathway version's questionnaires with the change, for forms to assign", () => {
    const symptoms = { id: 'hf-symptoms|1', title: 'Symptoms', kind: 'questionnaire' as const, questionnaire: 'https://varde.no/fhir/Questionnaire/hf-symptoms|1', schedule: { dayOfWeek: ['thu' as const], timeOfDay: ['08:00:00'], window: 'P2D' } };
    const [changed] = [enrolmentDecider.decide(changePathway({ ...HEART_FAILURE, activities: [symptoms] }), enrolmentDecider.evolve(enrolmentDecider.initialState(), enrolled))].flat();
    expect(changed).toMatchObject({ type: 'PathwayChanged', data: { pathwayId: 'heart-failure', questionnaires: ['https://varde.no/fhir/Questionnaire/hf-symptoms|1'] } });
  });

  it('changes to another version of the same pathway, and refuses a change to the same version', () => {
    spec.given([enrolled]).when(changePathway({ ...COPD_PATHWAY, version: 2 })).then([
      {
        type: 'PathwayChanged',
        data: { patientId: 'p-1', enrolmentId: 'e-1', previousPathwayId: 'copd', previousPathwayVersion: 1, pathwayId: 'copd', pathwayVersion: 2, ruleSetId: 'copd-default', ruleSetVersion: 0, changedAt: later.now },
      },
    ]);
    spec.given([enrolled]).when(changePathway(COPD_PATHWAY)).thenThrows(IllegalStateError, refusedWith('already on pathway "copd" version 1'));
  });

  it('moves to another care team, and refuses a move to the same team', () => {
    spec.given([enrolled]).when(changeTeam('hjertesvikt-ous')).then([
      { type: 'CareTeamChanged', data: { patientId: 'p-1', enrolmentId: 'e-1', previousCareTeamId: 'lungepoliklinikken-ahus', careTeamId: 'hjertesvikt-ous', changedAt: later.now } },
    ]);
    spec.given([enrolled]).when(changeTeam('lungepoliklinikken-ahus')).thenThrows(IllegalStateError, refusedWith('already with care team'));
  });

  it.each(['completed', 'readmitted', 'transferred-to-municipality', 'deceased', 'withdrew'] as const)('discharges with the reason %s', (reason) => {
    spec.given([enrolled]).when(discharge(reason)).then([{ ...discharged, data: { ...discharged.data, reason } }]);
  });
});

describe('enrolment, when the enrolment is paused', () => {
  it('resumes', () => {
    spec.given([enrolled, paused]).when(resume()).then([resumed]);
  });

  it('resumes by itself at the end date of the pause, and leaves alone a pause that was ended or changed since', () => {
    const until = '2026-12-15T00:00:00.000Z';
    const pausedUntil: EnrolmentPaused = { ...paused, data: { ...paused.data, until } };
    const endOfPause = (end: string): ResumeEnrolment => ({ type: 'ResumeEnrolment', data: { endOfPause: end }, metadata: at(end) });
    spec.given([enrolled, pausedUntil]).when(endOfPause(until)).then([{ ...resumed, data: { ...resumed.data, resumedAt: until } }]);
    // Resumed by a clinician before the end date; paused again until later; paused again with no end date.
    spec.given([enrolled, pausedUntil, resumed]).when(endOfPause(until)).thenNothing();
    spec.given([enrolled, pausedUntil, resumed, { ...paused, data: { ...paused.data, until: '2026-12-20T00:00:00.000Z' } }]).when(endOfPause(until)).thenNothing();
    spec.given([enrolled, pausedUntil, resumed, paused]).when(endOfPause(until)).thenNothing();
    spec.given([enrolled, pausedUntil, discharged]).when(endOfPause(until)).thenNothing();
  });

  it('refuses a second pause, naming the first', () => {
    spec.given([enrolled, paused]).when(pause()).thenThrows(IllegalStateError, refusedWith('already paused since 2026-12-01T08:00:00.000Z (admitted to hospital)'));
  });

  it('may still change pathway, move team and discharge', () => {
    spec.given([enrolled, paused]).when(changeTeam('hjertesvikt-ous')).then([
      { type: 'CareTeamChanged', data: { patientId: 'p-1', enrolmentId: 'e-1', previousCareTeamId: 'lungepoliklinikken-ahus', careTeamId: 'hjertesvikt-ous', changedAt: later.now } },
    ]);
    spec.given([enrolled, paused]).when(discharge('readmitted')).then([discharged]);
  });

  it('pauses again after a resume', () => {
    spec.given([enrolled, paused, resumed]).when(pause()).then([paused]);
  });
});

describe('enrolment, when the patient was discharged', () => {
  it.each([pause(), resume(), changePathway(HEART_FAILURE), changeTeam('hjertesvikt-ous'), discharge()])('refuses $type, naming the discharge', (command) => {
    spec.given([enrolled, discharged]).when(command).thenThrows(IllegalStateError, refusedWith('discharged (readmitted)'));
  });

  it('enrols again as a readmission, counted', () => {
    const again = at('2027-01-10T08:00:00.000Z');
    const second: PatientEnrolled = { type: 'PatientEnrolled', data: { ...enrolled.data, enrolmentId: 'e-2', enrolledAt: again.now, admission: 2 } };
    spec.given([enrolled, discharged]).when(enrol(COPD_PATHWAY, 'lungepoliklinikken-ahus', again)).then([second]);
    const thirdMeta = at('2027-03-01T08:00:00.000Z');
    spec.given([enrolled, discharged, second, { ...discharged, data: { ...discharged.data, enrolmentId: 'e-2' } }])
      .when(enrol(HEART_FAILURE, 'hjertesvikt-ous', thirdMeta))
      .then([
        {
          type: 'PatientEnrolled',
          data: { patientId: 'p-1', enrolmentId: 'e-2', pathwayId: 'heart-failure', pathwayVersion: 1, ruleSetId: 'heart-failure-default', ruleSetVersion: 0, enrolledAt: thirdMeta.now, careTeamId: 'hjertesvikt-ous', admission: 3 },
        },
      ]);
  });
});
