import type { MigrationSet } from '@varde/database';
import { baseline } from './0001-baseline.migration';
import { changeSequence } from './0002-change-sequence.migration';
import { worklistEnrolmentStatus } from './0003-worklist-enrolment-status.migration';

/**
 * The triage service's tables, one versioned step per file in this folder (`NNNN-what.migration.ts`), listed
 * here in order. See docs/adr/0015-schema-migrations.md.
 */
export const triageMigrations: MigrationSet = {
  name: 'triage',
  migrations: {
    '0001-baseline': baseline,
    '0002-change-sequence': changeSequence,
    '0003-worklist-enrolment-status': worklistEnrolmentStatus,
  },
};
