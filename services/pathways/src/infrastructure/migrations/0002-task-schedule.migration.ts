import { sqlMigration } from '@varde/database';

/**
 * The task schedule (`PostgresTaskSchedule`): one row per planned task, with partial indexes on the due time of
 * planned tasks and the window end of due ones, and how far ahead each patient is planned.
 */
export const taskSchedule = sqlMigration(`
  CREATE TABLE task_schedule (
    task_id uuid PRIMARY KEY, patient_id uuid NOT NULL, enrolment_id uuid NOT NULL, pathway_id text NOT NULL, pathway_version int NOT NULL,
    activity text NOT NULL, title text NOT NULL, kind text NOT NULL, loinc text, questionnaire text, slot text NOT NULL,
    due_at timestamptz NOT NULL, window_end timestamptz NOT NULL, status text NOT NULL, completed_by text);
  CREATE INDEX task_schedule_planned_due ON task_schedule (due_at) WHERE status = 'planned';
  CREATE INDEX task_schedule_due_window ON task_schedule (window_end) WHERE status = 'due';
  CREATE INDEX task_schedule_patient ON task_schedule (patient_id, due_at);
  CREATE TABLE task_schedule_horizons (patient_id uuid PRIMARY KEY, planned_until timestamptz NOT NULL);
  CREATE INDEX task_schedule_horizons_until ON task_schedule_horizons (planned_until);`);
