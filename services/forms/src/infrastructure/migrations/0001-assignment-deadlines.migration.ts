import { sqlMigration } from '@varde/database';

/**
 * The next deadline of each patient's form assignments (`PostgresAssignmentDeadlines`): an expiry or an unsent
 * reminder of an open assignment, indexed by time so the deadline job finds the due ones without reading every stream.
 */
export const assignmentDeadlines = sqlMigration(`
  CREATE TABLE form_assignment_deadlines (patient_id text PRIMARY KEY, next_at timestamptz NOT NULL);
  CREATE INDEX form_assignment_deadlines_next ON form_assignment_deadlines (next_at);`);
