import { Inject, Injectable } from '@nestjs/common';
import { inTransaction } from '@varde/database';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { TaskSchedule, type PatientPlan, type ScheduledTask, type TaskInput } from '../application/schedule/task-schedule.port';
import type { TaskDetails } from '../domain/task.decide';

type Row = {
  task_id: string; patient_id: string; enrolment_id: string; pathway_id: string; pathway_version: number; activity: string; title: string; kind: TaskDetails['kind'];
  loinc: string | null; questionnaire: string | null; slot: string; due_at: Date; window_end: Date; status: ScheduledTask['status']; completed_by: string | null; task_stream: string | null;
};

const toTask = (r: Row): ScheduledTask => ({
  taskId: r.task_id, patientId: r.patient_id, enrolmentId: r.enrolment_id, pathwayId: r.pathway_id, pathwayVersion: r.pathway_version, activity: r.activity, title: r.title, kind: r.kind,
  ...(r.loinc ? { loinc: r.loinc } : {}), ...(r.questionnaire ? { questionnaire: r.questionnaire } : {}),
  slot: r.slot, dueAt: r.due_at.toISOString(), windowEnd: r.window_end.toISOString(), status: r.status, ...(r.completed_by ? { completedBy: r.completed_by } : {}),
  ...(r.task_stream ? { stream: r.task_stream } : {}),
});

/**
 * The task schedule in PostgreSQL: one row per task, with partial indexes on the due time of planned tasks and the
 * window end of due ones, and one row per patient with how far ahead they are planned. A read model the scheduler
 * keeps (planned tasks are recomputed from the enrolment and its pathway version at any time); what happened to
 * each task is in its task stream (the patient's day). Its tables: migrations/0002-task-schedule.migration.ts and
 * 0006-task-streams-per-day.migration.ts.
 */
@Injectable()
export class PostgresTaskSchedule extends TaskSchedule {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async plan(plans: readonly PatientPlan[]): Promise<void> {
    if (plans.length === 0) return;
    if (new Set(plans.map((p) => p.patientId)).size !== plans.length) throw new Error('TaskSchedule.plan: each patient may be given once');
    const tasks = plans.flatMap((p) => p.tasks);
    const column = <K extends keyof (TaskDetails & { slot: string })>(key: K) => tasks.map((t) => t[key] ?? null);
    const planned = plans.filter((p) => p.until !== undefined);
    const forgotten = plans.filter((p) => p.until === undefined).map((p) => p.patientId);
    await inTransaction(this.pool, async (client) => {
      // Task ids are unique across patients: one list of the ids to keep serves every patient (an anti-join, not a scan of the list per row).
      await client.query(
        `UPDATE task_schedule s SET status = 'cancelled' FROM unnest($1::uuid[], $2::timestamptz[]) AS p(patient_id, plan_from)
          WHERE s.patient_id = p.patient_id AND s.status = 'planned' AND s.due_at >= p.plan_from
            AND NOT EXISTS (SELECT 1 FROM unnest($3::uuid[]) AS keep(task_id) WHERE keep.task_id = s.task_id)`,
        [plans.map((p) => p.patientId), plans.map((p) => p.from), tasks.map((t) => t.taskId)],
      );
      if (tasks.length > 0) {
        await client.query(
          `INSERT INTO task_schedule (task_id, patient_id, enrolment_id, pathway_id, pathway_version, activity, title, kind, loinc, questionnaire, slot, due_at, window_end, status)
           SELECT *, 'planned' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[])
           ON CONFLICT (task_id) DO UPDATE SET due_at = EXCLUDED.due_at, window_end = EXCLUDED.window_end, status = 'planned'
             WHERE task_schedule.status IN ('planned', 'cancelled')`,
          [column('taskId'), column('patientId'), column('enrolmentId'), column('pathwayId'), column('pathwayVersion'), column('activity'), column('title'), column('kind'), column('loinc'), column('questionnaire'), column('slot'), column('dueAt'), column('windowEnd')],
        );
      }
      if (planned.length > 0) {
        await client.query(
          `INSERT INTO task_schedule_horizons (patient_id, planned_until) SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
           ON CONFLICT (patient_id) DO UPDATE SET planned_until = EXCLUDED.planned_until`,
          [planned.map((p) => p.patientId), planned.map((p) => p.until)],
        );
      }
      if (forgotten.length > 0) await client.query('DELETE FROM task_schedule_horizons WHERE patient_id = ANY($1::uuid[])', [forgotten]);
    });
  }

  override async claimDue(tx: Transaction, now: string, limit: number, taskIds?: readonly string[]): Promise<ScheduledTask[]> {
    const { rows } = await tx.query<Row>(
      `SELECT * FROM task_schedule WHERE status = 'planned' AND due_at <= $1 AND ($3::uuid[] IS NULL OR task_id = ANY($3::uuid[]))
        ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit, taskIds ?? null],
    );
    return rows.map(toTask);
  }

  override async claimExpired(tx: Transaction, now: string, limit: number, taskIds?: readonly string[]): Promise<ScheduledTask[]> {
    const { rows } = await tx.query<Row>(
      `SELECT * FROM task_schedule WHERE status = 'due' AND window_end <= $1 AND ($3::uuid[] IS NULL OR task_id = ANY($3::uuid[]))
        ORDER BY window_end LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit, taskIds ?? null],
    );
    return rows.map(toTask);
  }

  override async lock(tx: Transaction, taskId: string): Promise<ScheduledTask | undefined> {
    const { rows } = await tx.query<Row>('SELECT * FROM task_schedule WHERE task_id = $1 FOR UPDATE', [taskId]);
    return rows[0] ? toTask(rows[0]) : undefined;
  }

  override async horizonsBefore(before: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ patient_id: string }>(`SELECT patient_id FROM task_schedule_horizons WHERE planned_until < $1 ORDER BY planned_until LIMIT $2`, [before, limit]);
    return rows.map((r) => r.patient_id);
  }

  override async setStatus(tx: Transaction, taskIds: readonly string[], status: ScheduledTask['status'], completedBy?: string): Promise<void> {
    await tx.query(`UPDATE task_schedule SET status = $2, completed_by = COALESCE($3, completed_by) WHERE task_id = ANY($1::uuid[])`, [taskIds, status, completedBy ?? null]);
  }

  override async openTasksFor(inputs: readonly TaskInput[]): Promise<(ScheduledTask | undefined)[]> {
    if (inputs.length === 0) return [];
    // One query for a run's inputs: each input's earliest open task (same patient, same code or questionnaire, inside its window).
    const { rows } = await this.pool.query<Row & { n: string }>(
      `SELECT i.n, t.* FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) WITH ORDINALITY AS i(patient_id, at, loinc, questionnaire, n)
         CROSS JOIN LATERAL (SELECT * FROM task_schedule s WHERE s.patient_id = i.patient_id AND s.status IN ('due', 'planned') AND s.due_at <= i.at AND s.window_end >= i.at
           AND (s.loinc = i.loinc OR s.questionnaire = i.questionnaire) ORDER BY s.due_at LIMIT 1) t`,
      [inputs.map((i) => i.patientId), inputs.map((i) => i.at), inputs.map((i) => i.loinc ?? null), inputs.map((i) => i.questionnaire ?? null)],
    );
    const found = new Map(rows.map((r) => [Number(r.n), toTask(r)]));
    return inputs.map((_, i) => found.get(i + 1));
  }

  override async setPauseEnd(tx: Transaction, patientId: string, endsAt: string | undefined): Promise<void> {
    if (endsAt === undefined) await tx.query('DELETE FROM enrolment_pause_ends WHERE patient_id = $1', [patientId]);
    else await tx.query('INSERT INTO enrolment_pause_ends (patient_id, ends_at) VALUES ($1, $2) ON CONFLICT (patient_id) DO UPDATE SET ends_at = EXCLUDED.ends_at', [patientId, endsAt]);
  }

  override async pauseEndsBy(now: string, limit: number): Promise<{ patientId: string; endsAt: string }[]> {
    const { rows } = await this.pool.query<{ patient_id: string; ends_at: Date }>('SELECT patient_id, ends_at FROM enrolment_pause_ends WHERE ends_at <= $1 ORDER BY ends_at LIMIT $2', [now, limit]);
    return rows.map((r) => ({ patientId: r.patient_id, endsAt: r.ends_at.toISOString() }));
  }

  override async tasksOf(patientId: string, from: string, to: string, status?: ScheduledTask['status']): Promise<ScheduledTask[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM task_schedule WHERE patient_id = $1 AND status <> 'cancelled' AND (($2 <= due_at AND due_at < $3) OR status = 'due') AND ($4::text IS NULL OR status = $4) ORDER BY due_at`,
      [patientId, from, to, status ?? null],
    );
    return rows.map(toTask);
  }
}
