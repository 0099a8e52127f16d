import { sqlMigration } from '@varde/database';

/**
 * Where each worklist patient's enrolment stands (from pathways' EnrolmentPaused, EnrolmentResumed and
 * PatientDischarged): a paused patient is shown as paused, a discharged one is left off the worklist.
 */
export const worklistEnrolmentStatus = sqlMigration(`
  ALTER TABLE worklist ADD COLUMN enrolment_status text NOT NULL DEFAULT 'active';`);
