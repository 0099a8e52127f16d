import { sqlMigration } from '@varde/database';

/**
 * The national id → patient id mapping,
 * as the service created them at start-up before migrations (`CREATE TABLE IF NOT EXISTS`): this step
 * changes nothing on a database of that release and creates everything on a new one.
 */
export const baseline = sqlMigration(`
  CREATE TABLE IF NOT EXISTS patient_identities (
    national_id_hmac text PRIMARY KEY,
    patient_id uuid NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
  );`);
