import { sqlMigration } from '@varde/database';

/**
 * The patients' latest triage status and the access log's read model,
 * as the service created them at start-up before migrations (`CREATE TABLE IF NOT EXISTS`): this step
 * changes nothing on a database of that release and creates everything on a new one.
 */
export const baseline = sqlMigration(`
  CREATE TABLE IF NOT EXISTS patient_status (
    patient_id uuid PRIMARY KEY,
    colour text NOT NULL,
    reasons jsonb NOT NULL,
    assessed_at timestamptz NOT NULL,
    assessment_id text NOT NULL
  );
  CREATE TABLE IF NOT EXISTS access_log (
    entry_id text PRIMARY KEY,
    patient_id uuid NOT NULL,
    accessed_at timestamptz NOT NULL,
    actor jsonb NOT NULL,
    purpose text NOT NULL,
    resource text NOT NULL,
    correlation_id text
  );
  CREATE INDEX IF NOT EXISTS access_log_patient_newest ON access_log (patient_id, accessed_at DESC, entry_id DESC);`);
