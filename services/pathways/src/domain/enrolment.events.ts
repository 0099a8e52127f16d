import type { DomainEvent } from '@varde/core';
import { LEGACY_DEFAULT_CARE_TEAMS } from './pathway-definition';

/** Why an enrolment ended. */
export const DISCHARGE_REASONS = ['completed', 'readmitted', 'transferred-to-municipality', 'deceased', 'withdrew'] as const;
/** One of {@link DISCHARGE_REASONS}. */
export type DischargeReason = (typeof DISCHARGE_REASONS)[number];

/**
 * A patient was placed on a pathway version. `careTeamId` is absent in events recorded before care teams;
 * `admission` is written from a readmission on (absent: the first, 1); `questionnaires` (canonical url|version of
 * each questionnaire the version's activities ask for, for forms to assign) is written when there are any.
 */
export type PatientEnrolled = DomainEvent<
  'PatientEnrolled',
  Omit<EnrolmentInForce, 'careTeamId' | 'admission'> & { careTeamId?: string; admission?: number; questionnaires?: readonly string[] }
>;

/** The enrolment was paused (no tasks fall due) until resumed or until `until`. */
export type EnrolmentPaused = DomainEvent<'EnrolmentPaused', { patientId: string; enrolmentId: string; reason: string; pausedAt: string; until?: string }>;

/** A paused enrolment was resumed. */
export type EnrolmentResumed = DomainEvent<'EnrolmentResumed', { patientId: string; enrolmentId: string; resumedAt: string }>;

/** The enrolment moved to another pathway or pathway version; the rule set follows the new version. */
export type PathwayChanged = DomainEvent<
  'PathwayChanged',
  {
    patientId: string;
    enrolmentId: string;
    previousPathwayId: string;
    previousPathwayVersion: number;
    pathwayId: string;
    pathwayVersion: number;
    ruleSetId: string;
    ruleSetVersion: number;
    changedAt: string;
    reason?: string;
    /** Canonical url|version of each questionnaire the new version's activities ask for; written when there are any. */
    questionnaires?: readonly string[];
  }
>;

/** The enrolment moved to another care team. */
export type CareTeamChanged = DomainEvent<'CareTeamChanged', { patientId: string; enrolmentId: string; previousCareTeamId: string; careTeamId: string; changedAt: string }>;

/** The enrolment ended. */
export type PatientDischarged = DomainEvent<
  'PatientDischarged',
  { patientId: string; enrolmentId: string; reason: DischargeReason; dischargedAt: string; pathwayId: string; careTeamId: string }
>;

/** Every event of a patient's enrolment stream. */
export type EnrolmentEvent = PatientEnrolled | EnrolmentPaused | EnrolmentResumed | PathwayChanged | CareTeamChanged | PatientDischarged;

/** What an enrolment in force holds, active or paused. */
export type EnrolmentInForce = Readonly<{
  patientId: string;
  enrolmentId: string;
  pathwayId: string;
  pathwayVersion: number;
  ruleSetId: string;
  ruleSetVersion: number;
  enrolledAt: string;
  careTeamId: string;
  /** Which enrolment of the patient this is (1: first; more: a readmission). */
  admission: number;
}>;

/** A patient's enrolment, folded from its events. `admissions` counts the enrolments the patient has had. */
export type EnrolmentState =
  | Readonly<{ status: 'not-enrolled' }>
  | (EnrolmentInForce & Readonly<{ status: 'active' }>)
  | (EnrolmentInForce & Readonly<{ status: 'paused'; pause: Readonly<{ reason: string; since: string; until?: string }> }>)
  | (EnrolmentInForce & Readonly<{ status: 'discharged'; discharge: Readonly<{ reason: DischargeReason; at: string }> }>);

/** The state before any event. */
export const initialEnrolmentState = (): EnrolmentState => ({ status: 'not-enrolled' });

/** Applies one event to the state. */
export function evolveEnrolment(state: EnrolmentState, event: EnrolmentEvent): EnrolmentState {
  switch (event.type) {
    case 'PatientEnrolled': {
      const { admission, questionnaires: _questionnaires, ...data } = event.data;
      const previous = state.status === 'not-enrolled' ? 0 : state.admission;
      return { status: 'active', ...data, careTeamId: careTeamOf(event.data), admission: admission ?? previous + 1 };
    }
    case 'EnrolmentPaused':
      if (state.status === 'not-enrolled') return state;
      return { ...inForce(state), status: 'paused', pause: { reason: event.data.reason, since: event.data.pausedAt, ...(event.data.until ? { until: event.data.until } : {}) } };
    case 'EnrolmentResumed':
      if (state.status === 'not-enrolled') return state;
      return { ...inForce(state), status: 'active' };
    case 'PathwayChanged': {
      if (state.status === 'not-enrolled') return state;
      const { pathwayId, pathwayVersion, ruleSetId, ruleSetVersion } = event.data;
      return { ...state, pathwayId, pathwayVersion, ruleSetId, ruleSetVersion };
    }
    case 'CareTeamChanged':
      if (state.status === 'not-enrolled') return state;
      return { ...state, careTeamId: event.data.careTeamId };
    case 'PatientDischarged':
      if (state.status === 'not-enrolled') return state;
      return { ...inForce(state), status: 'discharged', discharge: { reason: event.data.reason, at: event.data.dischargedAt } };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The enrolment's own fields, without its status and status details. */
export function inForce(state: Exclude<EnrolmentState, { status: 'not-enrolled' }>): EnrolmentInForce {
  const { patientId, enrolmentId, pathwayId, pathwayVersion, ruleSetId, ruleSetVersion, enrolledAt, careTeamId, admission } = state;
  return { patientId, enrolmentId, pathwayId, pathwayVersion, ruleSetId, ruleSetVersion, enrolledAt, careTeamId, admission };
}

/** The enrolment's care team; an enrolment recorded before care teams belongs to its pathway's default team. */
export function careTeamOf(enrolment: PatientEnrolled['data']): string {
  return enrolment.careTeamId ?? LEGACY_DEFAULT_CARE_TEAMS[enrolment.pathwayId] ?? '';
}

/** The one name of a patient's enrolment stream. */
export const enrolmentStreamId = (patientId: string): string => `enrolment-${patientId}`;
