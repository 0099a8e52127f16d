import { sqlMigration } from '@varde/database';

/**
 * The national id itself, sealed (AES-256-GCM under a key derived from IDENTITY_HMAC_KEY), so a national service that
 * identifies patients by it (Pasientens måledata) can be given it. Null for patients enrolled before this step
 * until they are enrolled again.
 */
export const sealedNationalId = sqlMigration(`ALTER TABLE patient_identities ADD COLUMN national_id_sealed text;`);
