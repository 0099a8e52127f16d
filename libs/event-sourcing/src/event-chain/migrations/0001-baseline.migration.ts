import { sqlMigration } from '@varde/database';

/**
 * The chain's tables in a service's schema, beside Emmett's (whose own tables stay as Emmett makes them). No
 * released schema had them, so they are created outright; the order index they are read by is messaging's
 * (`emt_messages_relay_order`, the relay's).
 */
export const baseline = sqlMigration(`
CREATE TABLE event_chain (
  seq             bigint PRIMARY KEY,
  transaction_id  xid8   NOT NULL,
  global_position bigint NOT NULL,
  stream_id       text   NOT NULL,
  stream_position bigint NOT NULL,
  hash            text   NOT NULL,
  sealed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE event_chain_checkpoints (
  seq        bigint PRIMARY KEY,
  hash       text   NOT NULL,
  signed_at  text   NOT NULL,
  key_id     text   NOT NULL,
  public_key text   NOT NULL,
  signature  text   NOT NULL
);`);
