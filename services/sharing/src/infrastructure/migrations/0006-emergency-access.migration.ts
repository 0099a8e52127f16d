import { sqlMigration } from '@varde/database';

/**
 * Emergency accesses (akuttilgang) by patient and actor, and the access log's policy reason and emergency mark
 * (entries read under an emergency access are shown apart).
 */
export const emergencyAccess = sqlMigration(`
  CREATE TABLE emergency_access (
    grant_id uuid PRIMARY KEY,
    patient_id uuid NOT NULL,
    actor_subject text NOT NULL,
    actor jsonb NOT NULL,
    care_team_id text,
    reason text NOT NULL,
    opened_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE INDEX emergency_access_by_patient_actor ON emergency_access (patient_id, actor_subject, expires_at DESC);
  CREATE INDEX emergency_access_by_team ON emergency_access (care_team_id, opened_at DESC);
  ALTER TABLE access_log ADD COLUMN reason text;
  ALTER TABLE access_log ADD COLUMN emergency jsonb;`);
