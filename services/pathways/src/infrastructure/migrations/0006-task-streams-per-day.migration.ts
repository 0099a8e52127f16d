import { sqlMigration } from '@varde/database';

/**
 * Task streams per patient and day (`taskStreamId`): a task due before this change has its `TaskDue` in the patient's
 * single stream `tasks-<patientId>`, so a row still due names that stream, and its `TaskCompleted` or `TaskMissed`
 * goes there too. Rows planned now fall due into their day's stream; completed and missed ones are done with.
 */
export const taskStreamsPerDay = sqlMigration(`
  ALTER TABLE task_schedule ADD COLUMN task_stream text;
  UPDATE task_schedule SET task_stream = 'tasks-' || patient_id WHERE status = 'due';`);
