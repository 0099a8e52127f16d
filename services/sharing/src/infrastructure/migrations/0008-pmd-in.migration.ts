import { sqlMigration } from '@varde/database';

/**
 * PMD in: the enrolled patients whose measurements are fetched from Pasientens måledata and when next, and every PMD
 * Observation already looked at (recorded in measurements or kept out, with the reason), so it is handled once.
 */
export const pmdIn = sqlMigration(`
  CREATE TABLE pmd_in_patients (
    patient_id uuid PRIMARY KEY,
    enrolled boolean NOT NULL,
    next_fetch_at timestamptz NOT NULL
  );
  CREATE INDEX pmd_in_patients_due ON pmd_in_patients (next_fetch_at) WHERE enrolled;
  CREATE TABLE pmd_in_seen (
    pmd_id text PRIMARY KEY,
    patient_id uuid NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('recorded', 'kept-out')),
    reason text,
    seen_at timestamptz NOT NULL DEFAULT now()
  );`);
