import type { Transaction } from '@varde/event-sourcing';

/** A patient's name as the EHR or the national register gives it: a subset of FHIR's HumanName. */
export type PersonName = Readonly<{ family: string; given: readonly string[] }>;

/** A patient's name with the patient's id. */
export type NamedPatient = Readonly<{ patientId: string; name: PersonName }>;

/**
 * Port (bound to PostgresPatientIdentityRepository in infrastructure/): maps national identity numbers to internal
 * patient ids and keeps patients' names; no other service sees either unless allowed to ask.
 */
export abstract class PatientIdentityRepository {
  /** The patient's internal id, created on first sight. */
  abstract patientIdFor(nationalId: string): Promise<string>;
  /** The patient's national id; undefined when none is kept (unknown patient, or enrolled before ids were sealed). */
  abstract nationalIdOf(patientId: string): Promise<string | undefined>;
  /** The internal id of the patient with this national id; undefined when there is none (nothing is created). */
  abstract patientIdOf(nationalId: string): Promise<string | undefined>;
  /**
   * Keeps the patient's name (replacing one kept before) with the care team of their enrolment, in `tx` (the
   * transaction of the enrolment's events); without a name, only moves a name kept before to that team.
   */
  abstract rememberName(tx: Transaction, patientId: string, name: PersonName | undefined, careTeamId: string): Promise<void>;
  /** Replaces the patient's kept name (or keeps one where none was) with a corrected one, under their enrolment's care team. */
  abstract correctName(patientId: string, name: PersonName, careTeamId: string): Promise<void>;
  /** Erases the patient's kept name; false when none was kept. */
  abstract eraseName(patientId: string): Promise<boolean>;
  /** Moves the patient's kept name to their enrolment's new care team, in `tx` (the transaction of `CareTeamChanged`). */
  abstract moveName(tx: Transaction, patientId: string, careTeamId: string): Promise<void>;
  /** The names kept for these patients (patients without one are absent). */
  abstract namesOf(patientIds: readonly string[]): Promise<ReadonlyMap<string, PersonName>>;
  /** Every name kept for patients of these care teams (undefined: of every team). */
  abstract namesInCareTeams(careTeamIds: readonly string[] | undefined): Promise<readonly NamedPatient[]>;
}
