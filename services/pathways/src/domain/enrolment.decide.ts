import { IllegalStateError, ValidationError, type Decider, type DomainCommand } from '@varde/core';
import {
  evolveEnrolment,
  initialEnrolmentState,
  type DischargeReason,
  type EnrolmentEvent,
  type EnrolmentState,
} from './enrolment.events';
import { questionnairesOf, type PathwayVersion } from './pathway-definition';

/** Place a patient on a pathway (again, after a discharge: a readmission). */
export type EnrolPatient = DomainCommand<'EnrolPatient', { patientId: string; enrolmentId: string; pathway: PathwayVersion; careTeamId: string }>;
/** Pause an active enrolment, until resumed or until `until`. */
export type PauseEnrolment = DomainCommand<'PauseEnrolment', { reason: string; until?: string }>;
/**
 * Resume a paused enrolment. `endOfPause`: sent by the schedule when a pause reaches its end date; it resumes only
 * that pause, if it is still in force (a clinician may have resumed it, or paused again, since).
 */
export type ResumeEnrolment = DomainCommand<'ResumeEnrolment', { endOfPause?: string }>;
/** Move the enrolment to another pathway or pathway version. */
export type ChangePathway = DomainCommand<'ChangePathway', { pathway: PathwayVersion; reason?: string }>;
/** Move the enrolment to another care team. */
export type ChangeCareTeam = DomainCommand<'ChangeCareTeam', { careTeamId: string }>;
/** End the enrolment. */
export type DischargePatient = DomainCommand<'DischargePatient', { reason: DischargeReason }>;

/** Every command of the enrolment decider. */
export type EnrolmentCommand = EnrolPatient | PauseEnrolment | ResumeEnrolment | ChangePathway | ChangeCareTeam | DischargePatient;

/** The questionnaires a pathway version asks for, as event data: none, no field. */
function questionnaireField(pathway: PathwayVersion): { questionnaires?: readonly string[] } {
  const questionnaires = questionnairesOf(pathway);
  return questionnaires.length > 0 ? { questionnaires } : {};
}

type InForceState = Exclude<EnrolmentState, { status: 'not-enrolled' | 'discharged' }>;

/** The enrolment in force (active or paused), or the refusal that names why there is none. */
function inForceFor(command: EnrolmentCommand['type'], state: EnrolmentState): InForceState {
  if (state.status === 'not-enrolled') throw new IllegalStateError(`${command} refused: the patient is not enrolled`);
  if (state.status === 'discharged') throw new IllegalStateError(`${command} refused: the enrolment was discharged (${state.discharge.reason}) at ${state.discharge.at}; enrol the patient again first`);
  return state;
}

/** The refusal for a person already enrolled on another pathway or with another team; it names neither. */
export const ALREADY_ENROLLED =
  'This person already has an active enrolment that this request does not match (another pathway or care team); the care team that follows them can change its pathway or team (change-pathway, change-care-team) or discharge it';

/**
 * The whole course of an enrolment: enrol, pause and resume, change pathway or care team, discharge, and enrol
 * again after a discharge (a readmission, counted in `admission`). Enrolling again on the same pathway with the
 * same team while enrolled changes nothing, so a retried request gets the existing enrolment back.
 */
export function decideEnrolment(command: EnrolmentCommand, state: EnrolmentState): EnrolmentEvent[] {
  const now = command.metadata.now;
  switch (command.type) {
    case 'EnrolPatient': {
      const { patientId, enrolmentId, pathway, careTeamId } = command.data;
      if (state.status === 'active' || state.status === 'paused') {
        // One answer for both, naming neither pathway nor team: a clinician of another team must not learn where
        // (or on what) the person is followed up from trying to enrol them (helsepersonelloven § 21a).
        if (state.pathwayId !== pathway.id || state.careTeamId !== careTeamId) throw new IllegalStateError(ALREADY_ENROLLED);
        return [];
      }
      const admission = state.status === 'discharged' ? state.admission + 1 : 1;
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
            enrolledAt: now,
            careTeamId,
            // Written from the second admission on, so a first enrolment reads as it always did.
            ...(admission > 1 ? { admission } : {}),
            ...questionnaireField(pathway),
          },
        },
      ];
    }
    case 'PauseEnrolment': {
      const current = inForceFor(command.type, state);
      if (current.status === 'paused') throw new IllegalStateError(`The enrolment is already paused since ${current.pause.since} (${current.pause.reason})`);
      const { reason, until } = command.data;
      if (until !== undefined && Date.parse(until) <= Date.parse(now)) throw ValidationError.field('until', `expected a time after now (${now}); got ${until}`);
      return [{ type: 'EnrolmentPaused', data: { patientId: current.patientId, enrolmentId: current.enrolmentId, reason, pausedAt: now, ...(until ? { until } : {}) } }];
    }
    case 'ResumeEnrolment': {
      const { endOfPause } = command.data;
      if (endOfPause !== undefined && !(state.status === 'paused' && state.pause.until === endOfPause)) return [];
      const current = inForceFor(command.type, state);
      if (current.status !== 'paused') throw new IllegalStateError('The enrolment is active, not paused: nothing to resume');
      return [{ type: 'EnrolmentResumed', data: { patientId: current.patientId, enrolmentId: current.enrolmentId, resumedAt: now } }];
    }
    case 'ChangePathway': {
      const current = inForceFor(command.type, state);
      const { pathway, reason } = command.data;
      if (current.pathwayId === pathway.id && current.pathwayVersion === pathway.version) {
        throw new IllegalStateError(`The patient is already on pathway "${pathway.id}" version ${pathway.version}: nothing to change`);
      }
      return [
        {
          type: 'PathwayChanged',
          data: {
            patientId: current.patientId,
            enrolmentId: current.enrolmentId,
            previousPathwayId: current.pathwayId,
            previousPathwayVersion: current.pathwayVersion,
            pathwayId: pathway.id,
            pathwayVersion: pathway.version,
            ruleSetId: pathway.ruleSet.id,
            ruleSetVersion: pathway.ruleSet.version,
            changedAt: now,
            ...(reason ? { reason } : {}),
            ...questionnaireField(pathway),
          },
        },
      ];
    }
    case 'ChangeCareTeam': {
      const current = inForceFor(command.type, state);
      if (current.careTeamId === command.data.careTeamId) throw new IllegalStateError(`The patient is already with care team "${current.careTeamId}": nothing to change`);
      return [
        {
          type: 'CareTeamChanged',
          data: { patientId: current.patientId, enrolmentId: current.enrolmentId, previousCareTeamId: current.careTeamId, careTeamId: command.data.careTeamId, changedAt: now },
        },
      ];
    }
    case 'DischargePatient': {
      const current = inForceFor(command.type, state);
      return [
        {
          type: 'PatientDischarged',
          data: { patientId: current.patientId, enrolmentId: current.enrolmentId, reason: command.data.reason, dischargedAt: now, pathwayId: current.pathwayId, careTeamId: current.careTeamId },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
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
