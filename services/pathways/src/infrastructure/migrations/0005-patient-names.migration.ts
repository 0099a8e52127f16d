import { sqlMigration } from '@varde/database';

/**
 * Patients' names as the EHR or the national register gives them at enrolment, sealed like the national id (AES-256-GCM
 * under a key derived from IDENTITY_HMAC_KEY) and, like it, kept out of the event log so they can be erased. With the
 * care team of the patient's enrolment, so a clinician's search by name unseals only their own teams' names.
 */
export const patientNames = sqlMigration(`
  CREATE TABLE patient_names (
    patient_id uuid PRIMARY KEY REFERENCES patient_identities (patient_id),
    name_sealed text NOT NULL,
    care_team_id text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX patient_names_care_team ON patient_names (care_team_id);`);
