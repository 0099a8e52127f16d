import { sqlMigration } from '@varde/database';

/** Guardians registered for children (FHIR RelatedPerson), by patient and by the guardian's identifiers. */
export const guardianships = sqlMigration(`
  CREATE TABLE guardianships (
    related_person_id uuid PRIMARY KEY,
    patient_id uuid NOT NULL,
    guardian_identifiers text[] NOT NULL,
    child_birth_date date NOT NULL,
    current jsonb NOT NULL
  );
  CREATE INDEX guardianships_by_patient ON guardianships (patient_id);`);
