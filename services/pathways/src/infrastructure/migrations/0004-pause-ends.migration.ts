import { sqlMigration } from '@varde/database';

/**
 * When each paused enrolment's pause ends by itself (`PostgresTaskSchedule`): one row per patient paused with an end
 * date, indexed by that date, so the schedule's tick resumes them without reading every enrolment. Written in the
 * transaction of the enrolment events that pause, resume or discharge (`ChangeEnrolmentHandler`).
 */
export const pauseEnds = sqlMigration(`
  CREATE TABLE enrolment_pause_ends (patient_id uuid PRIMARY KEY, ends_at timestamptz NOT NULL);
  CREATE INDEX enrolment_pause_ends_at ON enrolment_pause_ends (ends_at);`);
