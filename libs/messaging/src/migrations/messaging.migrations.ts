import type { MigrationSet } from '@varde/database';
import { baseline } from './0001-baseline.migration';
import { messageLogBaseline } from './0001-message-log-baseline.migration';
import { processedAtIndex } from './0002-processed-at-index.migration';

/** Tables the consumer runner and the relay keep in every service's schema (after Emmett's). */
export const messagingMigrations: MigrationSet = {
  name: 'messaging',
  migrations: {
    '0001-baseline': baseline,
    '0002-processed-at-index': processedAtIndex,
  },
};

/** Tables of the PostgreSQL event log (the embedded bus), in the bus's own schema. */
export const messageLogMigrations: MigrationSet = {
  name: 'message_log',
  migrations: {
    '0001-baseline': messageLogBaseline,
  },
};
