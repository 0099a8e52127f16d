import { sqlMigration } from '@varde/database';

/**
 * The consumer's and the relay's tables in a service's schema, as they were created at start-up before
 * migrations (so this step changes nothing on a database of that release). Needs Emmett's `emt_messages`.
 */
export const baseline = sqlMigration(`
  CREATE TABLE IF NOT EXISTS processed_messages (
    group_id text NOT NULL,
    message_id text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, message_id)
  );
  CREATE TABLE IF NOT EXISTS relay_checkpoints (
    relay_id text PRIMARY KEY,
    transaction_id xid8 NOT NULL,
    global_position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  -- The relay reads from a checkpoint in (transaction, position) order: without this index every poll scans
  -- the whole log, and the cost of each event grows with the size of the store.
  CREATE INDEX IF NOT EXISTS emt_messages_relay_order ON emt_messages (transaction_id, global_position);`);
