import type { MigrationSet } from '@varde/database';
import { assignmentDeadlines } from './0001-assignment-deadlines.migration';
import { responseIndex } from './0002-response-index.migration';

/**
 * The forms service's tables, one versioned step per file in this folder (`NNNN-what.migration.ts`), listed
 * here in order. Everything else forms keeps in its event streams. See docs/adr/0015-schema-migrations.md.
 */
export const formsMigrations: MigrationSet = {
  name: 'forms',
  migrations: {
    '0001-assignment-deadlines': assignmentDeadlines,
    '0002-response-index': responseIndex,
  },
};
