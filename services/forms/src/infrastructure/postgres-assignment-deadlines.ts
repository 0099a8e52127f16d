import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { AssignmentDeadlines, type DueDeadline } from '../application/assignment-deadlines.port';

/** {@link AssignmentDeadlines} in PostgreSQL: one row per patient with a deadline ahead (migrations/0001-assignment-deadlines.migration.ts). */
@Injectable()
export class PostgresAssignmentDeadlines extends AssignmentDeadlines {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async set(tx: Transaction, patientId: string, nextAt: string | undefined): Promise<void> {
    if (nextAt === undefined) await tx.query('DELETE FROM form_assignment_deadlines WHERE patient_id = $1', [patientId]);
    else await tx.query('INSERT INTO form_assignment_deadlines (patient_id, next_at) VALUES ($1, $2) ON CONFLICT (patient_id) DO UPDATE SET next_at = EXCLUDED.next_at', [patientId, nextAt]);
  }

  override async due(now: string, limit: number): Promise<DueDeadline[]> {
    const { rows } = await this.pool.query<{ patient_id: string; next_at: Date }>('SELECT patient_id, next_at FROM form_assignment_deadlines WHERE next_at <= $1 ORDER BY next_at LIMIT $2', [now, limit]);
    return rows.map((r) => ({ patientId: r.patient_id, dueAt: r.next_at.toISOString() }));
  }
}
