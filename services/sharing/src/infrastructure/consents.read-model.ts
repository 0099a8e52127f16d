import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { Consents, type StoredConsent } from '../application/consents.port';
import type { ConsentVersion } from '../domain/consent.events';

type Row = { current: ConsentVersion; last_updated: Date };
const stored = (row: Row): StoredConsent => ({ current: row.current, lastUpdated: row.last_updated.toISOString() });

/** {@link Consents} in the service's PostgreSQL schema (table `consents`). */
@Injectable()
export class PostgresConsents extends Consents {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async apply(tx: Transaction, version: ConsentVersion, recordedAt: string): Promise<void> {
    await tx.query(
      `INSERT INTO consents (consent_id, patient_id, version, status, current, last_updated) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (consent_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, current = EXCLUDED.current, last_updated = EXCLUDED.last_updated
       WHERE consents.version < EXCLUDED.version`,
      [version.consentId, version.terms.patientId, version.version, version.terms.status, JSON.stringify(version), recordedAt],
    );
  }

  override async byId(consentId: string): Promise<StoredConsent | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT current, last_updated FROM consents WHERE consent_id = $1', [consentId]);
    return rows[0] && stored(rows[0]);
  }

  override async ofPatient(patientId: string): Promise<readonly StoredConsent[]> {
    const { rows } = await this.pool.query<Row>('SELECT current, last_updated FROM consents WHERE patient_id = $1 ORDER BY last_updated DESC, consent_id', [patientId]);
    return rows.map(stored);
  }

  override async ofPatients(patientIds: readonly string[]): Promise<ReadonlyMap<string, readonly StoredConsent[]>> {
    const byPatient = new Map<string, StoredConsent[]>();
    if (patientIds.length === 0) return byPatient;
    const { rows } = await this.pool.query<Row & { patient_id: string }>(
      'SELECT patient_id, current, last_updated FROM consents WHERE patient_id = ANY($1::uuid[]) ORDER BY last_updated DESC, consent_id',
      [patientIds],
    );
    for (const row of rows) byPatient.set(row.patient_id, [...(byPatient.get(row.patient_id) ?? []), stored(row)]);
    return byPatient;
  }
}
