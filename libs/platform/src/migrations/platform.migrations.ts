import type { MigrationSet } from '@varde/database';
import { baseline } from './0001-baseline.migration';

/** Tables of the platform library in every service's schema. */
export const platformMigrations: MigrationSet = {
  name: 'platform',
  migrations: {
    '0001-baseline': baseline,
  },
};
