/** Port (bound to PostgresPatientIdentityRepository in infrastructure/). */
/** Maps national identity numbers to internal patient ids; no other service sees the national id unless allowed to ask. */
export abstract class PatientIdentityRepository {
  /** The patient's internal id, created on first sight. */
  abstract patientIdFor(nationalId: string): Promise<string>;
  /** The patient's national id; undefined when none is kept (unknown patient, or enrolled before ids were sealed). */
  abstract nationalIdOf(patientId: string): Promise<string | undefined>;
  /** The internal id of the patient with this national id; undefined when there is none (nothing is created). */
  abstract patientIdOf(nationalId: string): Promise<string | undefined>;
}
