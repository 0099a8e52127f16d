import type pg from 'pg';
import { VardeError } from '@varde/core';
import { inTransaction } from '@varde/database';
import { GroupCommit, preparedStatement, type GroupOutcome } from '@varde/event-sourcing';
import { withTraceContext, type ConsumeOutcome as MeasuredOutcome } from '@varde/telemetry';
import { DEFAULT_KEY_CONCURRENCY } from './keyed-concurrency';
import { deadLetterTopic, type DeliveredMessage, type IntegrationMessage, type MessageBus, type Subscription } from './message-bus';

/**
 * What the messages of one run share: several messages of one patient handled one after the other in one
 * transaction (see ConsumerOptions.runs). A handler keeps what the next messages of the run should see here —
 * e.g. events decided but not yet appended — and registers how to write it once, before the commit.
 */
export class ConsumerRun {
  private readonly values = new Map<string, unknown>();
  private readonly finishers: (() => Promise<void>)[] = [];
  private readonly abandoners: (() => void)[] = [];

  /**
   * The run's value under `key`: created by the first message that asks, with what writes it before the commit
   * (`finish`) and what to undo in memory when the run's transaction rolls back (`abandon`).
   */
  shared<T>(key: string, create: () => { value: T; finish: () => Promise<void>; abandon?: () => void }): T {
    if (!this.values.has(key)) {
      const { value, finish, abandon } = create();
      this.values.set(key, value);
      this.finishers.push(finish);
      if (abandon) this.abandoners.push(abandon);
    }
    return this.values.get(key) as T;
  }

  /** The run's value under `key` that nothing writes: something read once for all the run's messages (a lookup, a catalogue). */
  memo<T>(key: string, create: () => T): T {
    return this.shared(key, () => ({ value: create(), finish: nothingToWrite }));
  }

  /** Runs the finishers, in the order their values were created. */
  async finish(): Promise<void> {
    for (const finish of this.finishers) await finish();
  }

  /** The run's transaction rolled back: undoes what its values kept in memory. */
  abandon(): void {
    for (const abandon of this.abandoners) abandon();
  }
}

const nothingToWrite = async (): Promise<void> => undefined;

/** What a handler gets besides the message: the transaction its writes must join, and the run it is part of, if any. */
export type ConsumerContext = Readonly<{ client: pg.PoolClient; groupId: string; run?: ConsumerRun }>;

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
  /**
   * Lets the runner hand several messages to the handlers in one transaction, one message after the other, with
   * a shared {@link ConsumerRun}; when the run fails, each of its messages is handled again on its own.
   * - `per-patient`: a patient's backlog — consecutive messages of one key. Only for handlers that read what
   *   earlier messages of the run wrote through the run or the transaction, never through another connection.
   * - `across-patients`: consecutive messages of any patients as delivered (each patient's still in order), for
   *   handlers that keep nothing between messages (a projection's insert, a filter that skips most messages):
   *   one transaction, one record of processed ids and one commit for up to 50 messages instead of one each.
   */
  runs?: 'per-patient' | 'across-patients';
  /** Waits up to this long to gather messages before handling them (see SubscribeOptions.gatherMs). */
  gatherMs?: number;
  logger?: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  onOutcome?: (message: DeliveredMessage, outcome: ConsumeOutcome) => void;
}>;

// Every message handled runs one of these: prepared once per connection.
const RECORD_PROCESSED = preparedStatement('INSERT INTO processed_messages (group_id, message_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING message_id');
const RECORD_ONE_PROCESSED = preparedStatement('INSERT INTO processed_messages (group_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING');

/**
 * Runs a consumer group: each message is handled in a transaction together with the record that it was
 * processed, so a redelivered message is recognised and skipped. Messages of different patients handled at
 * the same moment share one transaction (group commit: one BEGIN, one insert of their ids, one COMMIT); when a
 * shared transaction fails, each of its messages is handled again in a transaction of its own, so one bad
 * message never takes others down with it. Failures are retried with exponential back-off; a message that keeps
 * failing — or fails with a validation or not-found error, which no retry can fix — goes to the group's
 * dead-letter topic with its error, and the group moves on.
 */
export async function startConsumer(options: ConsumerOptions): Promise<Subscription> {
  await options.bus.ensureTopics([...options.topics, ...options.topics.map((t) => deadLetterTopic(t, options.groupId))]);
  const concurrency = options.concurrency ?? Math.max(1, Math.min(DEFAULT_KEY_CONCURRENCY, Math.floor((options.pool.options.max ?? 10) / 2)));
  const state: ConsumerState = {
    stopping: false,
    // At most half the patients in flight share a transaction, so two groups overlap (one committing, one filling).
    shared: new GroupCommit((messages) => handleGroupInTransaction(options, messages), { maxGroup: Math.max(1, Math.ceil(concurrency / 2)), maxInFlight: Math.min(2, concurrency) }),
  };
  const subscription = await options.bus.subscribe({
    groupId: options.groupId,
    topics: options.topics,
    concurrency,
    ...(options.gatherMs ? { gatherMs: options.gatherMs } : {}),
    handler: async (message) => {
      const outcome = await consumeOne(options, message, state);
      options.onOutcome?.(message, outcome);
    },
    ...(options.runs
      ? {
          handleRun: async (messages: readonly DeliveredMessage[]) => {
            const outcomes = await consumeRun(options, messages, state);
            messages.forEach((message, i) => options.onOutcome?.(message, outcomes[i]!));
          },
          runsAcrossKeys: options.runs === 'across-patients',
        }
      : {}),
  });
  return {
    stop: async () => {
      state.stopping = true;
      await subscription.stop();
    },
  };
}

type ConsumerState = { stopping: boolean; shared: GroupCommit<DeliveredMessage, boolean | 'alone'> };

async function consumeOne(options: ConsumerOptions, message: DeliveredMessage, state: ConsumerState): Promise<ConsumeOutcome> {
  const handler = options.handlers[message.type];
  if (!handler) return 'ignored';
  // First with the messages of other patients in hand now; alone when that shared transaction failed.
  const shared = await state.shared.submit(message).catch(() => 'alone' as const);
  if (shared !== 'alone') return shared ? 'processed' : 'duplicate';
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

/**
 * Handles consecutive messages of one patient in one transaction with a shared run; when anything fails the
 * transaction rolls back and each message is handled again on its own (retries and dead letters as usual).
 */
async function consumeRun(options: ConsumerOptions, messages: readonly DeliveredMessage[], state: ConsumerState): Promise<ConsumeOutcome[]> {
  const handled = messages.filter((m) => options.handlers[m.type]);
  const processed = handled.length > 1 ? await handleTogether(options, handled, new ConsumerRun()) : undefined;
  const outcomes = new Map(processed?.map((ok, i): [DeliveredMessage, ConsumeOutcome] => [handled[i]!, ok ? 'processed' : 'duplicate']));
  const result: ConsumeOutcome[] = [];
  for (const message of messages) result.push(outcomes.get(message) ?? (options.handlers[message.type] ? await consumeOne(options, message, state) : 'ignored'));
  return result;
}

/** Messages of different patients in one transaction (see startConsumer): each outcome, or 'alone' for all when it failed. */
async function handleGroupInTransaction(options: ConsumerOptions, messages: readonly DeliveredMessage[]): Promise<GroupOutcome<boolean | 'alone'>[]> {
  const processed = messages.length > 1 ? await handleTogether(options, messages) : undefined;
  return processed ? processed.map((ok) => ({ ok })) : messages.map(() => ({ ok: 'alone' as const }));
}

/**
 * Handles messages one after the other in one transaction, their ids recorded in one statement (a copy
 * delivered twice counts once), with `run` shared by their handlers and finished before the commit. Each
 * message's outcome (true processed, false a duplicate), or undefined when anything failed: the transaction
 * rolled back, the run was abandoned, and nothing of it was written.
 */
async function handleTogether(options: ConsumerOptions, messages: readonly DeliveredMessage[], run?: ConsumerRun): Promise<boolean[] | undefined> {
  try {
    return await inTransaction(options.pool, async (client) => {
      const { rows } = await client.query<{ message_id: string }>({ ...RECORD_PROCESSED, values: [options.groupId, messages.map((m) => m.id)] });
      const fresh = new Set(rows.map((r) => r.message_id));
      const processed = messages.map((m) => fresh.delete(m.id));
      for (const [i, message] of messages.entries()) {
        if (!processed[i]) continue;
        await withTraceContext(message, `consume ${message.type}`, () => options.handlers[message.type]!(message, { client, groupId: options.groupId, ...(run ? { run } : {}) }));
      }
      await run?.finish();
      return processed;
    });
  } catch (error) {
    run?.abandon();
    options.logger?.warn({ err: error, count: messages.length, firstMessageId: messages[0]!.id }, 'messages handled together failed; handling each on its own');
    return undefined;
  }
}

async function handleInTransaction(options: ConsumerOptions, handler: IntegrationEventHandler, message: DeliveredMessage): Promise<boolean> {
  return inTransaction(options.pool, async (client) => {
    // A duplicate: its id is recorded already, so the transaction wrote nothing and commits nothing.
    const inserted = await client.query({ ...RECORD_ONE_PROCESSED, values: [options.groupId, message.id] });
    if (inserted.rowCount === 0) return false;
    // Continue the producer's trace, carried in the message, so one trace follows a measurement end to end.
    await withTraceContext(message, `consume ${message.type}`, () => handler(message, { client, groupId: options.groupId }));
    return true;
  });
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
