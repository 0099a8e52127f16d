import { sqlMigration } from '@varde/database';

/**
 * The PostgreSQL event log's tables (embedded mode's bus, one schema shared by the services), as they were
 * created before migrations.
 */
export const messageLogBaseline = sqlMigration(`
  CREATE TABLE IF NOT EXISTS messages (
    position bigserial PRIMARY KEY,
    tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
    topic text NOT NULL,
    partition_key text NOT NULL,
    id text NOT NULL,
    type text NOT NULL,
    source text NOT NULL,
    time timestamptz NOT NULL,
    recorded_time timestamptz NOT NULL,
    correlation_id text NOT NULL,
    causation_id text NOT NULL,
    traceparent text,
    tracestate text,
    headers jsonb NOT NULL DEFAULT '{}',
    payload bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS messages_topic_tx_position ON messages (topic, tx, position);
  CREATE TABLE IF NOT EXISTS group_positions (
    group_id text NOT NULL,
    topic text NOT NULL,
    tx xid8 NOT NULL,
    position bigint NOT NULL,
    PRIMARY KEY (group_id, topic)
  );`);
