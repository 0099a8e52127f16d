import { sqlMigration } from '@varde/database';

/**
 * Emergency accesses by the clinician who opened them: every list a clinician reads (worklist, alerts) asks which
 * patients they hold an open emergency access to (`openOfSubject`), which without this index reads the whole table.
 * And the blocks an access overrode, for the care team's report (older accesses: none recorded).
 */
export const emergencyAccessReport = sqlMigration(`
  CREATE INDEX emergency_access_by_actor ON emergency_access (actor_subject, expires_at DESC);
  ALTER TABLE emergency_access ADD COLUMN overrides_blocks text[] NOT NULL DEFAULT '{}';`);
