import type { DomainEvent } from '@varde/core';
import { PATHWAYS } from './pathway-catalogue';

/** A patient was placed on a pathway version. */
export type PatientEnrolled = DomainEvent<
  'PatientEnrolled',
  {
    patientId: string;
    enrolmentId: string;
    pathwayId: string;
    pathwayVersion: number;
    ruleSetId: string;
    ruleSetVersion: number;
    enrolledAt: string;
    /** The care team whose clinicians follow the patient; absent in events recorded before care teams. */
    careTeamId?: string;
  }
>;

/** Every event of a patient's enrolment stream. */
export type EnrolmentEvent = PatientEnrolled;

/** A patient's enrolment, folded from its events. */
export type EnrolmentState =
  | { status: 'not-enrolled' }
  | {
      status: 'enrolled';
      patientId: string;
      enrolmentId: string;
      pathwayId: string;
      pathwayVersion: number;
      ruleSetId: string;
      ruleSetVersion: number;
      enrolledAt: string;
      careTeamId: string;
    };

/** The state before any event. */
export const initialEnrolmentState = (): EnrolmentState => ({ status: 'not-enrolled' });

/** Applies one event to the state. */
export function evolveEnrolment(state: EnrolmentState, event: EnrolmentEvent): EnrolmentState {
  switch (event.type) {
    case 'PatientEnrolled':
      return { status: 'enrolled', ...event.data, careTeamId: careTeamOf(event.data) };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** The enrolment's care team; an enrolment recorded before care teams belongs to its pathway's default team. */
export function careTeamOf(enrolment: PatientEnrolled['data']): string {
  return enrolment.careTeamId ?? PATHWAYS[enrolment.pathwayId]?.defaultCareTeam ?? '';
}

/** The one name of a patient's enrolment stream. */
export const enrolmentStreamId = (patientId: string): string => `enrolment-${patientId}`;
