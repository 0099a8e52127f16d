import { sqlMigration } from '@varde/database';

/**
 * The queue of measurements for Pasientens måledata, one row per measurement: its latest Observation (without the
 * patient's national id, which is asked of pathways when sending), the version queued and the version PMD has
 * acknowledged, tries, when to try next, and why the last try failed or the row was given up.
 */
export const pmdOutbox = sqlMigration(`
  CREATE TABLE pmd_outbox (
    measurement_id text PRIMARY KEY,
    patient_id uuid NOT NULL,
    observation jsonb NOT NULL,
    version integer NOT NULL,
    sent_version integer NOT NULL DEFAULT 0,
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'withheld')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX pmd_outbox_due ON pmd_outbox (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX pmd_outbox_by_patient ON pmd_outbox (patient_id) WHERE status = 'pending';`);
