import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { PmdOutbox, type ClaimedObservation, type OutboxStatus } from '../../application/pmd/pmd.ports';
import type { QueuedObservation } from '../../domain/pmd/pmd-batch';
import type { PmdObservation } from '../../domain/pmd/pmd-observation';

type Key = Pick<QueuedObservation, 'measurementId' | 'version'>;
const ids = (items: readonly Key[]) => [items.map((i) => i.measurementId), items.map((i) => i.version)];
/** Rows of these measurements still at these versions (a newer version queued meanwhile is left alone). */
const AT_VERSION = `pmd_outbox.measurement_id = k.id AND pmd_outbox.version = k.version`;
const KEYS = `FROM unnest($1::text[], $2::int[]) AS k(id, version)`;

/** {@link PmdOutbox} in the service's PostgreSQL schema (table `pmd_outbox`). */
@Injectable()
export class PostgresPmdOutbox extends PmdOutbox {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async queue(tx: Transaction, item: Readonly<{ measurementId: string; patientId: string; observation: PmdObservation }>): Promise<void> {
    // A correction of a measurement given up stays given up; one held or withheld takes the new version and stays so
    // (the back catalogue sends it when a consent starts); pending and sent ones are sent again.
    await tx.query(
      `INSERT INTO pmd_outbox (measurement_id, patient_id, observation, version, status, next_attempt_at) VALUES ($1, $2, $3, 1, 'pending', now())
       ON CONFLICT (measurement_id) DO UPDATE SET observation = EXCLUDED.observation, version = pmd_outbox.version + 1,
         status = CASE WHEN pmd_outbox.status IN ('held', 'withheld') THEN pmd_outbox.status ELSE 'pending' END,
         attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now()
       WHERE pmd_outbox.status IN ('pending', 'sent', 'held', 'withheld')`,
      [item.measurementId, item.patientId, JSON.stringify(item.observation)],
    );
  }

  override async hold(tx: Transaction, item: Readonly<{ measurementId: string; patientId: string; observation: PmdObservation }>): Promise<void> {
    await tx.query(
      `INSERT INTO pmd_outbox (measurement_id, patient_id, observation, version, status, next_attempt_at) VALUES ($1, $2, $3, 1, 'held', now()) ON CONFLICT (measurement_id) DO NOTHING`,
      [item.measurementId, item.patientId, JSON.stringify(item.observation)],
    );
  }

  override async release(tx: Transaction, patientId: string): Promise<number> {
    // From the latest enrolment's start, by when Varde received the measurement (PMD's `issued`).
    const { rowCount } = await tx.query(
      `UPDATE pmd_outbox o SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now()
       WHERE o.patient_id = $1 AND o.status IN ('held', 'withheld')
         AND NOT EXISTS (SELECT 1 FROM pmd_in_patients p WHERE p.patient_id = o.patient_id AND (o.observation->>'issued')::timestamptz < p.enrolled_since)`,
      [patientId],
    );
    return rowCount ?? 0;
  }

  override async latest(tx: Transaction, measurementId: string): Promise<PmdObservation | undefined> {
    const { rows } = await tx.query<{ observation: PmdObservation }>(`SELECT observation FROM pmd_outbox WHERE measurement_id = $1 AND status IN ('pending', 'sent', 'held', 'withheld')`, [measurementId]);
    return rows[0]?.observation;
  }

  override async claimDue(now: Date, limit: number, leaseMs: number): Promise<readonly ClaimedObservation[]> {
    const { rows } = await this.pool.query<{ measurement_id: string; patient_id: string; version: number; observation: PmdObservation; attempts: number }>(
      `UPDATE pmd_outbox SET next_attempt_at = $1::timestamptz + make_interval(secs => $3::double precision / 1000)
       WHERE measurement_id IN (
         SELECT measurement_id FROM pmd_outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING measurement_id, patient_id, version, observation, attempts`,
      [now.toISOString(), limit, leaseMs],
    );
    return rows.map((r) => ({ measurementId: r.measurement_id, patientId: r.patient_id, version: r.version, observation: r.observation, attempts: r.attempts }));
  }

  override async markSent(items: readonly Key[]): Promise<void> {
    if (items.length === 0) return;
    // Still pending: a change withheld meanwhile (withdrawal) stays withheld on the record.
    // Counted for the strategy figures in the same statement (exchange_counts, channel pmd-out).
    await this.pool.query(
      `WITH sent AS (UPDATE pmd_outbox SET status = 'sent', sent_version = k.version, last_error = NULL, updated_at = now() ${KEYS} WHERE ${AT_VERSION} AND status = 'pending' RETURNING 1)
       INSERT INTO exchange_counts (channel, receiver, domain, day, count) SELECT 'pmd-out', 'pmd', 'measurements', current_date, count(*) FROM sent HAVING count(*) > 0
       ON CONFLICT (channel, receiver, domain, day) DO UPDATE SET count = exchange_counts.count + EXCLUDED.count`,
      ids(items),
    );
  }

  override async retryAt(items: readonly Key[], at: Date, reason: string): Promise<void> {
    await this.pool.query(`UPDATE pmd_outbox SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4, updated_at = now() ${KEYS} WHERE ${AT_VERSION} AND status = 'pending'`, [...ids(items), at.toISOString(), reason]);
  }

  override async deadLetter(items: readonly Key[], reason: string): Promise<void> {
    await this.pool.query(`UPDATE pmd_outbox SET status = 'dead', attempts = attempts + 1, last_error = $3, updated_at = now() ${KEYS} WHERE ${AT_VERSION} AND status = 'pending'`, [...ids(items), reason]);
  }

  override async withhold(patientId: string, reason: string): Promise<number> {
    const { rowCount } = await this.pool.query(`UPDATE pmd_outbox SET status = 'withheld', last_error = $2, updated_at = now() WHERE patient_id = $1 AND status = 'pending'`, [patientId, reason]);
    return rowCount ?? 0;
  }

  override async counts(): Promise<Readonly<Record<OutboxStatus, number>>> {
    const { rows } = await this.pool.query<{ status: OutboxStatus; n: string }>('SELECT status, count(*) AS n FROM pmd_outbox GROUP BY status');
    const counts: Record<OutboxStatus, number> = { pending: 0, sent: 0, dead: 0, withheld: 0, held: 0 };
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  }
}
