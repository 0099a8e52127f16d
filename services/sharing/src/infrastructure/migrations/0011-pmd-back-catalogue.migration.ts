import { sqlMigration } from '@varde/database';

/**
 * PMD's back catalogue (issue #21): measurements of a patient without a consent covering PMD are kept `held` in the
 * queue and released when a consent starts, from the start of the patient's current enrolment (`enrolled_since`).
 */
export const pmdBackCatalogue = sqlMigration(`
  ALTER TABLE pmd_outbox DROP CONSTRAINT pmd_outbox_status_check;
  ALTER TABLE pmd_outbox ADD CONSTRAINT pmd_outbox_status_check CHECK (status IN ('pending', 'sent', 'dead', 'withheld', 'held'));
  CREATE INDEX pmd_outbox_waiting_by_patient ON pmd_outbox (patient_id) WHERE status IN ('held', 'withheld');
  ALTER TABLE pmd_in_patients ADD COLUMN enrolled_since timestamptz;`);
