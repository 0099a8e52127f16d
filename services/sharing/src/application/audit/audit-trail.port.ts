import type { TimelineEvent } from '../../domain/audit/timeline-event';

/** Where a timeline page ends: the next page starts after this event. */
export type TimelinePosition = Readonly<{ effectiveTime: string; recordedTime: string; eventId: string }>;

/**
 * Which of a patient's events a timeline page holds: `limit` after `after`, with the effective time (or, with
 * `on: 'recorded'`, the recorded time) in [from, to), and only the given `types` when named.
 */
export type TimelineQuery = Readonly<{ from?: string; to?: string; on?: 'effective' | 'recorded'; types?: readonly string[]; limit: number; after?: TimelinePosition }>;

/** One page of a patient's timeline, oldest first; `next` when more follow. */
export type TimelinePage = Readonly<{ events: readonly TimelineEvent[]; next?: TimelinePosition }>;

/** Triage decisions of every patient recorded in [from, to), optionally of patients enrolled on one pathway; `limit` after `after`. */
export type DecisionQuery = Readonly<{ from: string; to: string; pathwayId?: string; limit: number; after?: TimelinePosition }>;

/** The auditor's timeline of every patient, kept from every service's integration events (the port; PostgreSQL implements it). */
export abstract class AuditTrail {
  /** Whether any event about the patient has been seen: an unknown patient is a 404, not an empty story. */
  abstract knowsPatient(patientId: string): Promise<boolean>;
  /** A page of the patient's events in effective-time order (recorded time, then event id, break ties). */
  abstract page(patientId: string, query: TimelineQuery): Promise<TimelinePage>;
  /** Every event of the patient that happened by `effectiveBy` and was recorded by `recordedBy`. */
  abstract upTo(patientId: string, effectiveBy: string, recordedBy: string): Promise<readonly TimelineEvent[]>;
  /** The triage decision (PatientTriaged) with this assessment id, of any patient. */
  abstract decision(assessmentId: string): Promise<TimelineEvent | undefined>;
  /** A page of the triage decisions of a period, across patients, in effective-time order (what `npm run audit:verify` re-runs). */
  abstract decisions(query: DecisionQuery): Promise<TimelinePage>;
}
