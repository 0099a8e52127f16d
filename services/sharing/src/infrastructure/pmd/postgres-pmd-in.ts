import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { PmdInLedger, PmdInPatients, type ImportOutcome } from '../../application/pmd/pmd.ports';

/** {@link PmdInPatients} in table `pmd_in_patients`. */
@Injectable()
export class PostgresPmdInPatients extends PmdInPatients {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async setEnrolled(tx: Transaction, patientId: string, enrolled: boolean, since?: string): Promise<void> {
    await tx.query(
      `INSERT INTO pmd_in_patients (patient_id, enrolled, next_fetch_at, enrolled_since) VALUES ($1, $2, now(), $3)
       ON CONFLICT (patient_id) DO UPDATE SET enrolled = EXCLUDED.enrolled, next_fetch_at = LEAST(pmd_in_patients.next_fetch_at, now()),
         enrolled_since = COALESCE(EXCLUDED.enrolled_since, pmd_in_patients.enrolled_since)`,
      [patientId, enrolled, since ?? null],
    );
  }

  override async isEnrolled(patientId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ enrolled: boolean }>('SELECT enrolled FROM pmd_in_patients WHERE patient_id = $1', [patientId]);
    return rows[0]?.enrolled === true;
  }

  override async claimDue(now: Date, limit: number, intervalMs: number): Promise<readonly string[]> {
    const { rows } = await this.pool.query<{ patient_id: string }>(
      `UPDATE pmd_in_patients SET next_fetch_at = $1::timestamptz + make_interval(secs => $3::double precision / 1000)
       WHERE patient_id IN (SELECT patient_id FROM pmd_in_patients WHERE enrolled AND next_fetch_at <= $1 ORDER BY next_fetch_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING patient_id`,
      [now.toISOString(), limit, intervalMs],
    );
    return rows.map((r) => r.patient_id);
  }
}

/** {@link PmdInLedger} in table `pmd_in_seen`. */
@Injectable()
export class PostgresPmdInLedger extends PmdInLedger {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async seen(pmdIds: readonly string[]): Promise<ReadonlySet<string>> {
    const { rows } = await this.pool.query<{ pmd_id: string }>('SELECT pmd_id FROM pmd_in_seen WHERE pmd_id = ANY($1::text[])', [pmdIds]);
    return new Set(rows.map((r) => r.pmd_id));
  }

  override async note(pmdId: string, patientId: string, outcome: ImportOutcome): Promise<void> {
    await this.pool.query('INSERT INTO pmd_in_seen (pmd_id, patient_id, outcome, reason) VALUES ($1, $2, $3, $4) ON CONFLICT (pmd_id) DO NOTHING', [pmdId, patientId, outcome.outcome, outcome.reason ?? null]);
  }
}
