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
const enrol = (pathway: PathwayVersion = COPD_PATHWAY): EnrolPatient => ({
  type: 'EnrolPatient',
  data: { patientId: 'p-1', enrolmentId: 'e-1', pathway },
  metadata,
});
const enrolled: PatientEnrolled = {
  type: 'PatientEnrolled',
  data: { patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', pathwayVersion: 1, ruleSetId: 'copd-default', ruleSetVersion: 0, enrolledAt: metadata.now },
};
const spec = deciderSpec(enrolmentDecider);

describe('enrolment, when the patient is not enrolled', () => {
  it('enrols on the pathway version with its rule set', () => {
    spec.given([]).when(enrol()).then([enrolled]);
  });
});

describe('enrolment, when the patient is enrolled', () => {
  it('changes nothing when enrolled again on the same pathway', () => {
    spec.given([enrolled]).when(enrol()).thenNothing();
  });

  it('refuses another pathway', () => {
    spec.given([enrolled]).when(enrol({ ...COPD_PATHWAY, id: 'heart-failure' })).thenThrows(IllegalStateError);
  });
});
