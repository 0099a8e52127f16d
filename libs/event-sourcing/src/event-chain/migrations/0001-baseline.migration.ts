import { sqlMigration } from '@varde/database';

/**
 * The chain's tables in a service's schema, beside Emmett's (whose own tables stay as Emmett makes them), as the
 * sealer created them at start-up before migrations: this step changes nothing where they exist.
 */
export const baseline = sqlMigration(`
CREATE TABLE IF NOT EXISTS event_chain (
  seq             bigint PRIMARY KEY,
  transaction_id  xid8   NOT NULL,
  global_position bigint NOT NULL,
  stream_id       text   NOT NULL,
  stream_position bigint NOT NULL,
  hash            text   NOT NULL,
  sealed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS event_chain_checkpoints (
  seq        bigint PRIMARY KEY,
  hash       text   NOT NULL,
  signed_at  text   NOT NULL,
  key_id     text   NOT NULL,
  public_key text   NOT NULL,
  signature  text   NOT NULL
);
-- The order the chain is built in; the relay reads by the same index.
CREATE INDEX IF NOT EXISTS emt_messages_relay_order ON emt_messages (transaction_id, global_position);`);
