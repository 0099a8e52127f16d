import pg from 'pg';
import type { RecordedEvent } from '@varde/event-sourcing';
import { preparedStatement } from '@varde/event-sourcing';
import { createClient, schemaConnectionString, withSessionSettings } from '@varde/database';
import type { IntegrationMessage, MessageBus } from './message-bus';

/**
 * Turns a private domain event into the integration event other services see, or nothing. `eventTypes`, when
 * set, names every domain event type it can publish: the relay then skips the others without reading their
 * data (a triage stream holds many more inputs than decisions).
 */
export type IntegrationMapper = ((event: RecordedEvent) => IntegrationMessage | undefined) & { readonly eventTypes?: readonly string[] };

/** Options of {@link startRelay}. */
export type RelayOptions = Readonly<{
  databaseUrl: string;
  schema: string;
  bus: MessageBus;
  map: IntegrationMapper;
  /** Checkpoint name; one per service. */
  relayId?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /** First delay between publish attempts while the broker is unreachable; doubles up to 10 s. */
  retryDelayMs?: number;
  logger?: { warn: (obj: object, msg: string) => void };
  /** After the bus acknowledged a batch: the messages it took. */
  onPublished?: (messages: readonly IntegrationMessage[]) => void;
  /**
   * Events in the log not yet relayed, every `lagIntervalMs` (also while the bus is down): 0 once a poll found
   * nothing new, else the global positions handed out since the checkpoint (an upper bound: an append that rolled
   * back also took one).
   */
  onLag?: (events: number) => void;
  lagIntervalMs?: number;
}>;

/** A running relay. */
export type Relay = Readonly<{ stop: () => Promise<void> }>;

type Row = {
  message_id: string;
  message_type: string;
  message_data: unknown;
  message_metadata: Record<string, unknown>;
  stream_id: string;
  stream_position: string;
  global_position: string;
  transaction_id: string;
};

// The relay's two statements run many times a second (the poll every 50 ms when idle): prepared once per connection.
// ORDER BY names the table's columns: the bare names would be the text output columns, sorted as text ("10"
// before "9"), and the checkpoint would skip events.
const POLL = preparedStatement(`SELECT message_id, message_type,
       CASE WHEN $4::text[] IS NULL OR message_type = ANY($4) THEN message_data END AS message_data,
       CASE WHEN $4::text[] IS NULL OR message_type = ANY($4) THEN message_metadata END AS message_metadata,
       stream_id, stream_position::text, global_position::text, transaction_id::text
  FROM emt_messages
 WHERE is_archived = FALSE
   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
   AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
 ORDER BY emt_messages.transaction_id, emt_messages.global_position
 LIMIT $3`);

// The last global position handed out, for the lag.
const LAST_POSITION = preparedStatement('SELECT last_value::text AS last FROM emt_global_message_position');
// A checkpoint lost in a crash only means republishing a batch, which consumers deduplicate: its commit need not
// wait for the WAL flush.
const SAVE_CHECKPOINT = preparedStatement(`INSERT INTO relay_checkpoints (relay_id, transaction_id, global_position)
SELECT $1, $2::xid8, $3 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
ON CONFLICT (relay_id) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()`);

/**
 * Publishes a service's integration events from its Emmett event log to the bus, in log order.
 *
 * The checkpoint moves only after the bus has acknowledged a batch: when Kafka is down the relay waits and
 * retries from where it was, so nothing is lost; a crash mid-batch republishes the batch, which consumers
 * deduplicate by event id. Positions are (transaction id, global position), and only transactions older
 * than every running one are read, so an append that commits late is never skipped (reading by global
 * position alone can skip it). One relay per service is active at a time, held by a session advisory lock
 * that a crashed process releases with its connection; other instances wait as standbys.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const relayId = options.relayId ?? `relay-${options.schema}`;
  // The poll must be its index's range scan whatever the statistics say. Measured under a Bundle load on a new store
  // (statistics not yet caught up with a log growing by a thousand events a second): PostgreSQL planned triage's
  // poll as a full scan and sort of its log, 668 scans of 12 600 rows on average in 25 s, its cost growing with
  // the log. The relay's own connection runs nothing else, so sequential scans are off for it alone.
  const connectionString = withSessionSettings(schemaConnectionString(options.databaseUrl, options.schema), { enable_seqscan: 'off' });
  let stopping = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const publish = async (messages: IntegrationMessage[]): Promise<void> => {
    let delay = options.retryDelayMs ?? 200;
    for (;;) {
      try {
        await options.bus.publish(messages);
        options.onPublished?.(messages);
        return;
      } catch (error) {
        if (stopping) throw new Error('relay stopped before the broker acknowledged; the batch is republished on restart');
        options.logger?.warn({ err: error, count: messages.length }, 'relay could not publish; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  };

  const published = options.map.eventTypes ? new Set(options.map.eventTypes) : undefined;
  const runWith = async (client: pg.Client): Promise<void> => {
    // relay_checkpoints and the index the poll below reads by come from messagingMigrations (migrations/).
    while (!stopping) {
      const { rows: locked } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [relayId]);
      if (locked[0]?.ok) break;
      await sleep(1_000);
    }
    const { rows: saved } = await client.query<{ transaction_id: string; global_position: string }>(
      'SELECT transaction_id::text, global_position::text FROM relay_checkpoints WHERE relay_id = $1',
      [relayId],
    );
    let checkpoint = { tx: saved[0]?.transaction_id ?? '0', position: saved[0]?.global_position ?? '0' };
    let caughtUp = false;
    const onLag = options.onLag;
    // On a timer, not per batch: it must keep reporting while a batch waits for an unreachable bus.
    const lagTimer = onLag
      ? setInterval(() => {
          if (caughtUp) return onLag(0);
          client
            .query<{ last: string }>(LAST_POSITION)
            .then(({ rows: [row] }) => onLag(Math.max(0, Number(BigInt(row?.last ?? '0') - BigInt(checkpoint.position)))))
            .catch(() => undefined);
        }, options.lagIntervalMs ?? 5_000)
      : undefined;
    try {
      while (!stopping) {
        const { rows } = await client.query<Row>({
          ...POLL,
          values: [checkpoint.tx, checkpoint.position, options.batchSize ?? 500, published ? [...published] : null],
        });
        caughtUp = rows.length === 0;
        if (caughtUp) {
          await sleep(options.pollIntervalMs ?? 50);
          continue;
        }
        const messages = rows.flatMap((row) => {
          if (published && !published.has(row.message_type)) return [];
          const message = options.map(toRecordedEvent(row));
          return message ? [message] : [];
        });
        if (messages.length > 0) await publish(messages);
        const last = rows[rows.length - 1]!;
        checkpoint = { tx: last.transaction_id, position: last.global_position };
        await client.query({ ...SAVE_CHECKPOINT, values: [relayId, checkpoint.tx, checkpoint.position] });
      }
    } finally {
      clearInterval(lagTimer);
    }
  };

  const supervise = async (): Promise<void> => {
    while (!stopping) {
      const client = createClient(connectionString);
      try {
        await client.connect();
        await runWith(client);
      } catch (error) {
        if (!stopping) options.logger?.warn({ err: error }, 'relay interrupted; resuming from its checkpoint');
      } finally {
        await client.end().catch(() => undefined);
      }
      if (!stopping) await sleep(1_000);
    }
  };

  const running = supervise();
  return {
    stop: async () => {
      stopping = true;
      wake?.();
      await running;
    },
  };
}

function toRecordedEvent(row: Row): RecordedEvent {
  return {
    type: row.message_type,
    data: row.message_data,
    metadata: {
      ...(row.message_metadata as object),
      messageId: row.message_id,
      streamName: row.stream_id,
      streamPosition: BigInt(row.stream_position),
      globalPosition: BigInt(row.global_position),
    },
  } as unknown as RecordedEvent;
}
