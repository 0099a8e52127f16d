import type { MigrationSet } from '@varde/database';

/**
 * The forms service's tables, one versioned step per file in this folder (`NNNN-what.migration.ts`), listed
 * here in order. None yet: forms keeps everything in its event streams. See docs/adr/0015-schema-migrations.md.
 */
export const formsMigrations: MigrationSet = {
  name: 'forms',
  migrations: {},
};
