import { describe, it } from 'vitest';
import { IllegalStateError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { enrolmentDecider, type EnrolPatient } from './enrolment.decide';
import type { PatientEnrolled } from './enrolment.events';
import { COPD_PATHWAY, type PathwayVersion } from './pathway-catalogue';

const metadata: CommandMetadata = {
  commandId: 'c-1',
  correlationId: 'c-1',
  actor: { subject: 'nurse-1', role: 'clinician' },
  now: '2026-11-22T08:00:00.000Z',
};
const enrol = (pathway: PathwayVersion = COPD_PATHWAY, careTeamId = 'lungepoliklinikken-ahus'): EnrolPatient => ({
  type: 'EnrolPatient',
  data: { patientId: 'p-1', enrolmentId: 'e-1', pathway, careTeamId },
  metadata,
});
const enrolled: PatientEnrolled = {
  type: 'PatientEnrolled',
  data: {
    patientId: 'p-1',
    enrolmentId: 'e-1',
    pathwayId: 'copd',
    pathwayVersion: 1,
    ruleSetId: 'copd-default',
    ruleSetVersion: 0,
    enrolledAt: metadata.now,
    careTeamId: 'lungepoliklinikken-ahus',
  },
};
// Recorded before enrolments named a care team.
const { careTeamId: _none, ...legacyData } = enrolled.data;
const enrolledBeforeCareTeams: PatientEnrolled = { type: 'PatientEnrolled', data: legacyData };
const spec = deciderSpec(enrolmentDecider);

describe('enrolment, when the patient is not enrolled', () => {
  it('enrols on the pathway version with its rule set and care team', () => {
    spec.given([]).when(enrol()).then([enrolled]);
  });
});

describe('enrolment, when the patient is enrolled', () => {
  it('changes nothing when enrolled again on the same pathway', () => {
    spec.given([enrolled]).when(enrol()).thenNothing();
  });

  it('refuses another care team', () => {
    spec.given([enrolled]).when(enrol(COPD_PATHWAY, 'hjertesvikt-ous')).thenThrows(IllegalStateError);
  });

  it("counts an enrolment recorded before care teams as one with the pathway's default team", () => {
    spec.given([enrolledBeforeCareTeams]).when(enrol(COPD_PATHWAY, COPD_PATHWAY.defaultCareTeam)).thenNothing();
    spec.given([enrolledBeforeCareTeams]).when(enrol(COPD_PATHWAY, 'lungepoliklinikken-ahus')).thenThrows(IllegalStateError);
  });

  it('refuses another pathway', () => {
    spec.given([enrolled]).when(enrol({ ...COPD_PATHWAY, id: 'heart-failure' })).thenThrows(IllegalStateError);
  });
});
