import { Inject, Injectable } from '@nestjs/common';
import { preparedStatement, type Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { NextCheckProjection } from '../application/next-checks.port';
import type { TriageOutcome } from '../application/triage-outcome';

const SET_NEXT_CHECK = preparedStatement('INSERT INTO triage_next_checks (patient_id, due_at) VALUES ($1, $2) ON CONFLICT (patient_id) DO UPDATE SET due_at = EXCLUDED.due_at');

/**
 * {@link NextCheckProjection} in PostgreSQL. When each patient must next be assessed without new data (a missing report falling due). Written in the
 * same transaction as the worklist; the check scheduler reads the due rows by the index.
 */
@Injectable()
export class PostgresNextCheckProjection implements NextCheckProjection {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  async apply(client: Transaction, outcome: TriageOutcome): Promise<void> {
    if (outcome.nextCheckAt === undefined) {
      await this.forget(outcome.patientId, client);
    } else {
      await client.query({ ...SET_NEXT_CHECK, values: [outcome.patientId, outcome.nextCheckAt] });
    }
  }

  async forget(patientId: string, db: Pick<pg.ClientBase, 'query'> = this.pool): Promise<void> {
    await db.query('DELETE FROM triage_next_checks WHERE patient_id = $1', [patientId]);
  }

  async due(now: Date, limit: number): Promise<readonly { patientId: string; dueAt: string }[]> {
    const { rows } = await this.pool.query<{ patient_id: string; due_at: Date }>(`SELECT patient_id, due_at FROM triage_next_checks WHERE due_at <= $1 ORDER BY due_at LIMIT $2`, [now.toISOString(), limit]);
    return rows.map((r) => ({ patientId: r.patient_id, dueAt: r.due_at.toISOString() }));
  }
}
