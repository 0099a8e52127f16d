import { sqlMigration } from '@varde/database';

/** The access-log outbox (see access-log-outbox.ts), as it was created at start-up before migrations. */
export const baseline = sqlMigration(`
  CREATE TABLE IF NOT EXISTS access_log_outbox (
    entry_id text PRIMARY KEY,
    entry jsonb NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT clock_timestamp()
  );`);
