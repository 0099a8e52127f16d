import pg from 'pg';
import { createClient, createPool, inTransaction, migrateSchema, withSessionSettings } from '@varde/database';
import { messageLogMigrations } from './migrations/messaging.migrations';
import { DEFAULT_KEY_CONCURRENCY, handleByKey, handledPrefixOf } from './keyed-concurrency';
import { MessageBus, type DeliveredMessage, type IntegrationMessage, type SubscribeOptions, type Subscription } from './message-bus';

/** Options of the embedded bus. */
export type PostgresMessageBusOptions = Readonly<{
  databaseUrl: string;
  /** How long a consumer sleeps when it finds nothing new (a NOTIFY wakes it earlier). */
  pollIntervalMs?: number;
  /** How long a consumer waits before retrying a message whose handler threw. */
  retryDelayMs?: number;
  batchSize?: number;
  /** Schema holding the bus tables (default `varde_bus`); a separate one isolates a test's platform. */
  schema?: string;
  logger?: { warn: (obj: object, msg: string) => void };
}>;

/** The schema of the embedded bus unless configured otherwise. */
export const DEFAULT_BUS_SCHEMA = 'varde_bus';
// Explicit text casts: Emmett switches node-postgres to BigInt for int8 process-wide.
const COLUMNS = 'position::text AS position, tx::text AS tx, topic, partition_key, id, type, source, time, recorded_time, correlation_id, causation_id, traceparent, tracestate, headers, payload';

/**
 * Embedded mode's message bus: integration events in a PostgreSQL table instead of Kafka, with the same
 * semantics the services rely on (per-topic order, consumer groups with committed positions, redelivery
 * after a failed handler). Positions are (transaction id, sequence): a reader only takes rows from
 * transactions older than every running one, so a late commit can never be skipped.
 */
export class PostgresMessageBus extends MessageBus {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private readonly subscriptions = new Set<PgSubscription>();
  private readonly schema: string;

  constructor(private readonly options: PostgresMessageBusOptions) {
    super();
    this.schema = options.schema ?? DEFAULT_BUS_SCHEMA;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new Error(`Invalid bus schema "${this.schema}": use lower-case letters, digits and _`);
    // A poll must walk the index in order and stop at its LIMIT. The log grows faster than autovacuum's
    // statistics follow, and on estimates of a few dozen rows PostgreSQL preferred a bitmap scan of everything
    // after the group's position plus a sort: 17–53 ms a poll with a 45 000-message backlog instead of 0.6 ms.
    // This pool runs only the bus's own statements, so bitmap scans are off for it alone.
    this.pool = createPool({ connectionString: withoutBitmapScans(options.databaseUrl), max: 4 });
  }

  /** Creates the bus tables once. */
  async init(): Promise<void> {
    this.ready ??= this.migrate().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  override async publish(messages: readonly IntegrationMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.init();
    const columns = ['topic', 'partition_key', 'id', 'type', 'source', 'time', 'recorded_time', 'correlation_id', 'causation_id', 'traceparent', 'tracestate', 'headers', 'payload'];
    const values: unknown[] = [];
    const rows = messages.map((m, row) => {
      values.push(m.topic, m.key, m.id, m.type, m.source, m.time, m.recordedTime, m.correlationId, m.causationId, m.traceparent ?? null, m.tracestate ?? null, JSON.stringify(m.headers ?? {}), Buffer.from(m.payload));
      return `(${columns.map((_, col) => `$${row * columns.length + col + 1}`).join(',')})`;
    });
    await inTransaction(this.pool, async (client) => {
      await client.query(`INSERT INTO ${this.schema}.messages (${columns.join(',')}) VALUES ${rows.join(',')}`, values);
      await client.query(`SELECT pg_notify('${channelOf(this.schema)}', '')`);
    });
  }

  override async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.init();
    const subscription = new PgSubscription(this.pool, this.options, options, this.schema);
    this.subscriptions.add(subscription);
    subscription.start();
    return {
      stop: async () => {
        await subscription.stop();
        this.subscriptions.delete(subscription);
      },
    };
  }

  override async ensureTopics(): Promise<void> {
    await this.init();
  }

  override async isHealthy(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  override async readAll(topic: string): Promise<readonly DeliveredMessage[]> {
    await this.init();
    const { rows } = await this.pool.query<MessageRow>(`SELECT ${COLUMNS} FROM ${this.schema}.messages WHERE topic = $1 ORDER BY messages.tx, messages.position`, [topic]);
    return rows.map(toDelivered);
  }

  override async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    await this.pool.end();
  }

  private async migrate(): Promise<void> {
    // Five services start at once against one embedded database: the migrator's lock serialises them.
    await migrateSchema({ databaseUrl: this.options.databaseUrl, schema: this.schema }, [messageLogMigrations]);
  }
}

/** `databaseUrl` with bitmap scans off for its sessions, keeping any server options it already carries. */
export const withoutBitmapScans = (databaseUrl: string): string => withSessionSettings(databaseUrl, { enable_bitmapscan: 'off' });

/** The NOTIFY channel that wakes a schema's subscribers. */
const channelOf = (schema: string): string => `${schema}_published`;

type MessageRow = {
  position: string;
  tx: string;
  topic: string;
  partition_key: string;
  id: string;
  type: string;
  source: string;
  time: Date;
  recorded_time: Date;
  correlation_id: string;
  causation_id: string;
  traceparent: string | null;
  tracestate: string | null;
  headers: Record<string, string>;
  payload: Buffer;
};

function toDelivered(row: MessageRow): DeliveredMessage {
  return {
    id: row.id,
    type: row.type,
    source: row.source,
    topic: row.topic,
    key: row.partition_key,
    time: row.time.toISOString(),
    recordedTime: row.recorded_time.toISOString(),
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    ...(row.tracestate ? { tracestate: row.tracestate } : {}),
    headers: row.headers,
    payload: new Uint8Array(row.payload),
    partition: 0,
    offset: row.position,
  };
}

/** One consumer group reading its topics from the table in order: patients side by side, each patient's messages one at a time. */
class PgSubscription {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Sleeping to gather (SubscribeOptions.gatherMs): a NOTIFY does not wake it. */
  private gathering = false;
  private listener: pg.Client | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly busOptions: PostgresMessageBusOptions,
    private readonly options: SubscribeOptions,
    private readonly schema: string,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    await this.listen();
    while (!this.stopped) {
      let handled = 0;
      try {
        handled = await this.pollOnce();
      } catch (error) {
        this.busOptions.logger?.warn({ err: error, groupId: this.options.groupId }, 'embedded bus consumer failed; retrying');
        await this.sleep(this.busOptions.retryDelayMs ?? 500);
        continue;
      }
      if (handled === 0) await this.sleep(this.busOptions.pollIntervalMs ?? 250);
      // A gathering group lets more arrive before the next poll (a NOTIFY does not cut this short; stopping does).
      else if (this.options.gatherMs && handled < (this.busOptions.batchSize ?? 100)) await this.sleep(this.options.gatherMs, { gathering: true });
    }
  }

  private async listen(): Promise<void> {
    try {
      this.listener = createClient(this.busOptions.databaseUrl);
      await this.listener.connect();
      this.listener.on('notification', () => {
        if (!this.gathering) this.wake?.();
      });
      await this.listener.query(`LISTEN ${channelOf(this.schema)}`);
    } catch {
      // Polling alone still delivers everything; LISTEN only lowers latency.
      this.listener = undefined;
    }
  }

  private sleep(ms: number, { gathering = false } = {}): Promise<void> {
    this.gathering = gathering;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.gathering = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async pollOnce(): Promise<number> {
    const { groupId, topics } = this.options;
    // Each topic is read from its group position on by the (topic, tx, position) index, then the topics are
    // merged in (tx, position) order. One condition over all topics at once (a join with an OR for a group
    // without a position) made PostgreSQL read and sort every message of the topics on every poll: a cost that
    // grew with the log (22 ms a poll at 60 000 messages).
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT m.* FROM unnest($2::text[]) AS t(topic)
        LEFT JOIN ${this.schema}.group_positions g ON g.group_id = $1 AND g.topic = t.topic
        CROSS JOIN LATERAL (
          SELECT ${COLUMNS} FROM ${this.schema}.messages
           WHERE messages.topic = t.topic
             AND messages.tx < pg_snapshot_xmin(pg_current_snapshot())
             AND (messages.tx, messages.position) > (COALESCE(g.tx, '0'::xid8), COALESCE(g.position, 0))
           ORDER BY messages.tx, messages.position
           LIMIT $3) m
        ORDER BY m.tx::xid8, m.position::bigint
        LIMIT $3`,
      [groupId, topics, this.busOptions.batchSize ?? 100],
    );
    // Positions are saved once per batch, up to the last message of the unbroken handled run from its start
    // (when a handler fails or the group stops part-way): the rest is delivered again, which idempotent
    // consumers skip. Patients are handled side by side, each in order (see handleByKey).
    const delivered = rows.map(toDelivered);
    let prefix = 0;
    try {
      prefix = await handleByKey(delivered, this.options.handler, this.options.concurrency ?? DEFAULT_KEY_CONCURRENCY, () => this.stopped, this.options.handleRun, this.options.runsAcrossKeys);
    } catch (error) {
      prefix = handledPrefixOf(error);
      throw error;
    } finally {
      const handled = new Map<string, MessageRow>();
      for (const row of rows.slice(0, prefix)) handled.set(row.topic, row);
      for (const row of handled.values()) {
        await this.pool.query(
          `INSERT INTO ${this.schema}.group_positions (group_id, topic, tx, position) VALUES ($1, $2, $3::xid8, $4::bigint)
           ON CONFLICT (group_id, topic) DO UPDATE SET tx = EXCLUDED.tx, position = EXCLUDED.position`,
          [groupId, row.topic, row.tx, row.position],
        );
      }
    }
    if (this.stopped) return 0;
    return rows.length;
  }
}
