import { IllegalStateError, type Decider, type DomainCommand } from '@varde/core';
import { evolveEnrolment, initialEnrolmentState, type EnrolmentEvent, type EnrolmentState } from './enrolment.events';
import type { PathwayVersion } from './pathway-catalogue';

/** Place a patient on a pathway. */
export type EnrolPatient = DomainCommand<'EnrolPatient', { patientId: string; enrolmentId: string; pathway: PathwayVersion; careTeamId: string }>;

/** Every command of the enrolment decider. */
export type EnrolmentCommand = EnrolPatient;

/**
 * Enrols a patient with a care team. Enrolling again on the same pathway with the same team is not an error:
 * it changes nothing, so a clinician (or a retried request) gets the existing enrolment back. Another pathway
 * or another team while enrolled is refused until "change pathway" and "transfer" exist.
 */
export function decideEnrolment(command: EnrolmentCommand, state: EnrolmentState): EnrolmentEvent[] {
  switch (command.type) {
    case 'EnrolPatient': {
      const { patientId, enrolmentId, pathway, careTeamId } = command.data;
      if (state.status === 'enrolled') {
        if (state.pathwayId !== pathway.id) throw new IllegalStateError(`The patient is already enrolled on pathway "${state.pathwayId}"; discharge them first`);
        if (state.careTeamId !== careTeamId) throw new IllegalStateError(`The patient is already enrolled with care team "${state.careTeamId}"; moving a patient to another team is not supported yet`);
        return [];
      }
      return [
        {
          type: 'PatientEnrolled',
          data: {
            patientId,
            enrolmentId,
            pathwayId: pathway.id,
            pathwayVersion: pathway.version,
            ruleSetId: pathway.ruleSet.id,
            ruleSetVersion: pathway.ruleSet.version,
            enrolledAt: command.metadata.now,
            careTeamId,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The enrolment decider. */
export const enrolmentDecider: Decider<EnrolmentCommand, EnrolmentState, EnrolmentEvent> = {
  decide: decideEnrolment,
  evolve: evolveEnrolment,
  initialState: initialEnrolmentState,
};
