import { hash } from 'node:crypto';

/** One event of a service's log as the chain sees it: every column that says what happened, as PostgreSQL prints it. */
export type ChainedEvent = Readonly<{
  streamId: string;
  streamPosition: string;
  globalPosition: string;
  transactionId: string;
  messageId: string;
  messageType: string;
  schemaVersion: string;
  /** `message_data::text`: PostgreSQL prints a jsonb value the same way every time. */
  data: string;
  /** `message_metadata::text`. */
  metadata: string;
  /** `created` in microseconds since the epoch, so the session's time zone cannot change the text. */
  createdMicros: string;
}>;

/** The hash before the first event of a log. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The chain hash of `event` after `previous`: SHA-256 over the previous hash and the event's columns, encoded
 * as a JSON array so no two different events can produce the same input.
 */
export function eventHash(previous: string, event: ChainedEvent): string {
  const input = JSON.stringify([
    previous,
    event.streamId,
    event.streamPosition,
    event.globalPosition,
    event.transactionId,
    event.messageId,
    event.messageType,
    event.schemaVersion,
    event.data,
    event.metadata,
    event.createdMicros,
  ]);
  // One-shot: no Hash object per event (half the time of createHash().update().digest() for an event's ~1.5 kB).
  return hash('sha256', input, 'hex');
}

/** Where an event stands in the order the chain is built in: by transaction, then by global position. */
export type ChainKey = Readonly<{ transactionId: string; globalPosition: string }>;

/** Compares two positions in chain order (negative: `a` first). */
export function compareChainKeys(a: ChainKey, b: ChainKey): number {
  const tx = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const gp = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return gp === 0n ? 0 : gp < 0n ? -1 : 1;
}

/** The SELECT list that reads an `emt_messages` row as a {@link ChainedEvent}. */
export const CHAINED_EVENT_COLUMNS = `stream_id AS "streamId", stream_position::text AS "streamPosition",
  global_position::text AS "globalPosition", transaction_id::text AS "transactionId", message_id AS "messageId",
  message_type AS "messageType", message_schema_version AS "schemaVersion", message_data::text AS data,
  message_metadata::text AS metadata, (extract(epoch FROM created) * 1000000)::bigint::text AS "createdMicros"`;
