import type { MigrationSet } from '@varde/database';
import type { ServiceName } from '@varde/platform';
import { formsMigrations } from '../services/forms/src/infrastructure/migrations/forms.migrations';
import { measurementsMigrations } from '../services/measurements/src/infrastructure/migrations/measurements.migrations';
import { pathwaysMigrations } from '../services/pathways/src/infrastructure/migrations/pathways.migrations';
import { sharingMigrations } from '../services/sharing/src/infrastructure/migrations/sharing.migrations';
import { triageMigrations } from '../services/triage/src/infrastructure/migrations/triage.migrations';

/** Each service's own migrations (the same sets its ServiceDefinition names), for the commands that run them. */
export const SERVICE_MIGRATIONS: Readonly<Record<ServiceName, MigrationSet>> = {
  pathways: pathwaysMigrations,
  forms: formsMigrations,
  measurements: measurementsMigrations,
  triage: triageMigrations,
  sharing: sharingMigrations,
};
