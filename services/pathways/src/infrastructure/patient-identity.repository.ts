import { createHmac, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';

/** Maps national identity numbers to internal patient ids; no other service ever sees the national id. */
export abstract class PatientIdentityRepository {
  /** The patient's internal id, created on first sight. */
  abstract patientIdFor(nationalId: string): Promise<string>;
}

/**
 * PostgreSQL mapping keyed by an HMAC of the national id: the number itself is not stored, so the table
 * (and its backups) cannot be read back into identities without the key. Kept out of the event log on
 * purpose: events are immutable, identities must be erasable.
 */
@Injectable()
export class PostgresPatientIdentityRepository extends PatientIdentityRepository {
  constructor(
    @Inject(DB_POOL) private readonly pool: pg.Pool,
    @Inject('IDENTITY_HMAC_KEY') private readonly key: string,
  ) {
    super();
  }

  override async patientIdFor(nationalId: string): Promise<string> {
    const hmac = createHmac('sha256', this.key).update(nationalId).digest('hex');
    // Insert-or-read in one statement so two simultaneous enrolments of one person get one id.
    const { rows } = await this.pool.query<{ patient_id: string }>(
      `WITH inserted AS (
         INSERT INTO patient_identities (national_id_hmac, patient_id) VALUES ($1, $2)
         ON CONFLICT (national_id_hmac) DO NOTHING RETURNING patient_id)
       SELECT patient_id FROM inserted UNION ALL SELECT patient_id FROM patient_identities WHERE national_id_hmac = $1`,
      [hmac, randomUUID()],
    );
    const id = rows[0]?.patient_id;
    if (id) return id;
    // The concurrent insert committed after our snapshot: read it now.
    const again = await this.pool.query<{ patient_id: string }>('SELECT patient_id FROM patient_identities WHERE national_id_hmac = $1', [hmac]);
    return again.rows[0]!.patient_id;
  }
}
