import type { MigrationSet } from '@varde/database';
import { baseline } from './0001-baseline.migration';

/** The event chain's tables (the sealer's and audit:check's), in every service's schema after Emmett's. */
export const eventChainMigrations: MigrationSet = {
  name: 'event_chain',
  migrations: {
    '0001-baseline': baseline,
  },
};
