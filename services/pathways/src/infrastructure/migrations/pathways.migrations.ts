import type { MigrationSet } from '@varde/database';
import { baseline } from './0001-baseline.migration';
import { taskSchedule } from './0002-task-schedule.migration';
import { sealedNationalId } from './0003-sealed-national-id.migration';
import { pauseEnds } from './0004-pause-ends.migration';
import { patientNames } from './0005-patient-names.migration';
import { taskStreamsPerDay } from './0006-task-streams-per-day.migration';

/**
 * The pathways service's tables, one versioned step per file in this folder (`NNNN-what.migration.ts`), listed
 * here in order. See docs/adr/0015-schema-migrations.md.
 */
export const pathwaysMigrations: MigrationSet = {
  name: 'pathways',
  migrations: {
    '0001-baseline': baseline,
    '0002-task-schedule': taskSchedule,
    '0003-sealed-national-id': sealedNationalId,
    '0004-pause-ends': pauseEnds,
    '0005-patient-names': patientNames,
    '0006-task-streams-per-day': taskStreamsPerDay,
  },
};
