import { sqlMigration } from '@varde/database';

/** The consents' read model (current version of each consent), by patient for the policy decision point. */
export const consents = sqlMigration(`
  CREATE TABLE consents (
    consent_id uuid PRIMARY KEY,
    patient_id uuid NOT NULL,
    version integer NOT NULL,
    status text NOT NULL,
    current jsonb NOT NULL,
    last_updated timestamptz NOT NULL
  );
  CREATE INDEX consents_by_patient ON consents (patient_id);`);
