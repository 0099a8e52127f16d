import type { Transaction } from '@varde/event-sourcing';
import type { ListScope } from '@varde/platform';
import type { AlertColour } from '../domain/alert.events';
import type { PatientTriaged } from '../domain/triage.events';
import type { Colour } from '../domain/triage-rules';
import type { PositionedTriageEvent } from './triage-outcome';

/** The patient's unresolved alert as the worklist shows it. */
export type OpenAlertSummary = Readonly<{ id: string; colour: AlertColour; status: 'open' | 'acknowledged'; ageSeconds: number; assignee?: string }>;

/** One patient on the worklist, with the care team whose clinicians see them (null: registered before care teams). */
export type WorklistEntry = Readonly<{
  patientId: string;
  colour: Colour;
  reasons: readonly string[];
  since: string;
  pathwayId: string | null;
  careTeam: string | null;
  openAlert: OpenAlertSummary | null;
  /** Where the enrolment stands: a paused patient is expected to report nothing (discharged ones are not listed). */
  enrolment: 'active' | 'paused' | 'discharged';
}>;

/** Where the previous page of the worklist ended: the last entry's place in worklist order. */
export type WorklistCursor = Readonly<{ colour: Colour; since: string; patientId: string }>;

/**
 * Worklist filters: colour, pathway, the clinician the patient's open alert is assigned to, the care teams whose
 * patients to show (absent: every patient), what the access policy adds to or takes out of them (`scope`), and (for
 * paging) the entry to start after.
 */
export type WorklistFilter = Readonly<{ colour?: Colour; pathwayId?: string; assignee?: string; careTeams?: readonly string[]; scope?: ListScope; limit: number; after?: WorklistCursor }>;

/** The latest assessment as the worklist keeps it: enough for an auditor to re-run it. */
export type AssessmentRecord = Readonly<Pick<PatientTriaged['data'], 'assessmentId' | 'assessedAt' | 'previousColour' | 'reasons' | 'provenance'>>;

/** A patient's current triage with the provenance of the assessment behind it (null before any report). */
export type PatientTriageView = WorklistEntry & Readonly<{ assessment: AssessmentRecord | null }>;

/**
 * Port: the worklist read model's writer, one row per patient with their current colour and reasons, written
 * in the transaction of the command or message that produced the events.
 */
export abstract class WorklistProjection {
  /** Applies triage events in `tx`; an event older than the row (a redelivered message) changes nothing. */
  abstract apply(tx: Transaction, events: readonly PositionedTriageEvent[]): Promise<void>;
}

/** Port: reads of the worklist, with each patient's unresolved alert. */
export abstract class WorklistQuery {
  /** Red first, then yellow, then green; within a colour, whoever has waited longest first. */
  abstract list(filter: WorklistFilter, now?: Date): Promise<readonly WorklistEntry[]>;
  /** The care team of a patient on the worklist; undefined when triage has never heard of them or knows no team. */
  abstract careTeamOf(patientId: string): Promise<string | undefined>;
  /** {@link careTeamOf} for many patients: the known care teams by patient id. */
  abstract careTeamsOf(patientIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** One patient's current triage, or undefined when triage has never heard of them. */
  abstract get(patientId: string, now?: Date): Promise<PatientTriageView | undefined>;
}
