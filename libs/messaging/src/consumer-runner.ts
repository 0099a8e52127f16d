import type pg from 'pg';
import { VardeError } from '@varde/core';
import { withTraceContext, type ConsumeOutcome as MeasuredOutcome } from '@varde/telemetry';
import { DEFAULT_KEY_CONCURRENCY } from './keyed-concurrency';
import { deadLetterTopic, type DeliveredMessage, type IntegrationMessage, type MessageBus, type Subscription } from './message-bus';

/** What a handler gets besides the message: the transaction its writes must join. */
export type ConsumerContext = Readonly<{ client: pg.PoolClient; groupId: string }>;

/** Handles one integration event type; throwing means "failed" (retried, then dead-lettered). */
export type IntegrationEventHandler = (message: DeliveredMessage, context: ConsumerContext) => Promise<void>;

/** What happened to one delivered message. */
export type ConsumeOutcome = MeasuredOutcome | 'ignored';

/** Options of {@link startConsumer}. */
export type ConsumerOptions = Readonly<{
  bus: MessageBus;
  /** Pool whose connections use the service's schema (see schemaConnectionString). */
  pool: pg.Pool;
  groupId: string;
  topics: readonly string[];
  /** Handlers by fully qualified integration event type; other types are ignored. */
  handlers: Readonly<Record<string, IntegrationEventHandler>>;
  /** Attempts before a message is dead-lettered (default 5). */
  maxAttempts?: number;
  /** First back-off delay in ms, doubled each attempt (default 100). */
  backoffMs?: number;
  /**
   * Patients handled at once (each in order). Default: half the pool, at most 8 — a handler holds one
   * connection for its transaction and may query the same pool besides, so a full pool must never be held.
   */
  concurrency?: number;
  logger?: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  onOutcome?: (message: DeliveredMessage, outcome: ConsumeOutcome) => void;
}>;

/** Table of processed message ids, in the consuming service's own schema. */
export async function ensureProcessedTable(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS processed_messages (
    group_id text NOT NULL,
    message_id text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, message_id)
  )`);
}

/**
 * Runs a consumer group: each message is handled in one transaction together with the record that it was
 * processed, so a redelivered message is recognised and skipped. Failures are retried with exponential
 * back-off; a message that keeps failing — or fails with a validation or not-found error, which no retry
 * can fix — goes to the group's dead-letter topic with its error, and the group moves on.
 */
export async function startConsumer(options: ConsumerOptions): Promise<Subscription> {
  await ensureProcessedTable(options.pool);
  await options.bus.ensureTopics([...options.topics, ...options.topics.map((t) => deadLetterTopic(t, options.groupId))]);
  const state = { stopping: false };
  const subscription = await options.bus.subscribe({
    groupId: options.groupId,
    topics: options.topics,
    concurrency: options.concurrency ?? Math.max(1, Math.min(DEFAULT_KEY_CONCURRENCY, Math.floor((options.pool.options.max ?? 10) / 2))),
    handler: async (message) => {
      const outcome = await consumeOne(options, message, state);
      options.onOutcome?.(message, outcome);
    },
  });
  return {
    stop: async () => {
      state.stopping = true;
      await subscription.stop();
    },
  };
}

async function consumeOne(options: ConsumerOptions, message: DeliveredMessage, state: { stopping: boolean }): Promise<ConsumeOutcome> {
  const handler = options.handlers[message.type];
  if (!handler) return 'ignored';
  const maxAttempts = options.maxAttempts ?? 5;
  let delay = options.backoffMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await handleInTransaction(options, handler, message)) ? 'processed' : 'duplicate';
    } catch (error) {
      const permanent = error instanceof VardeError && (error.kind === 'validation' || error.kind === 'not-found');
      // A dependency that is down (another service, during a deploy or at shutdown) is no reason to give a
      // message up: keep it, in order, until the dependency is back. Stopping leaves it uncommitted.
      const transient = error instanceof VardeError && error.kind === 'unavailable';
      if (transient && state.stopping) throw error;
      if (permanent || (!transient && attempt >= maxAttempts)) {
        await deadLetter(options, message, error, attempt);
        return 'dead_lettered';
      }
      options.logger?.warn({ err: error, messageId: message.id, type: message.type, attempt }, 'message handler failed; retrying');
      options.onOutcome?.(message, 'retried');
      await new Promise((resolve) => setTimeout(resolve, delay));
      // Short waits while a dependency is down, so a shutdown is never held up for long.
      delay = Math.min(delay * 2, transient ? 5_000 : 30_000);
    }
  }
}

async function handleInTransaction(options: ConsumerOptions, handler: IntegrationEventHandler, message: DeliveredMessage): Promise<boolean> {
  const client = await options.pool.connect();
  try {
    await client.query('BEGIN');
    const inserted = await client.query('INSERT INTO processed_messages (group_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [options.groupId, message.id]);
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    // Continue the producer's trace, carried in the message, so one trace follows a measurement end to end.
    await withTraceContext(message, `consume ${message.type}`, () => handler(message, { client, groupId: options.groupId }));
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function deadLetter(options: ConsumerOptions, message: DeliveredMessage, error: unknown, attempts: number): Promise<void> {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  options.logger?.error({ messageId: message.id, type: message.type, attempts, reason }, 'message dead-lettered');
  const { partition: _partition, offset, ...original } = message;
  const letter: IntegrationMessage = {
    ...original,
    topic: deadLetterTopic(message.topic, options.groupId),
    headers: {
      ...message.headers,
      dlt_error: reason,
      dlt_original_topic: message.topic,
      dlt_original_offset: offset,
      dlt_group: options.groupId,
      dlt_attempts: String(attempts),
      dlt_failed_at: new Date().toISOString(),
    },
  };
  await options.bus.publish([letter]);
}

/**
 * Sends every dead letter of a group back to its original topic. Safe to run more than once: consumers
 * skip ids they already processed, and other groups skip them as duplicates.
 */
export async function replayDeadLetters(bus: MessageBus, topic: string, groupId: string): Promise<number> {
  const letters = await bus.readAll(deadLetterTopic(topic, groupId));
  const messages = letters.map(({ partition: _p, offset: _o, headers, ...m }): IntegrationMessage => {
    const kept = Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => !k.startsWith('dlt_')));
    return { ...m, topic, headers: { ...kept, replayed_from: deadLetterTopic(topic, groupId) } };
  });
  await bus.publish(messages);
  return messages.length;
}
