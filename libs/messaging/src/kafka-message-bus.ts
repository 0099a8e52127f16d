import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, ConfigSource, Kafka, Partitioners, logLevel, type Admin, type Consumer, type KafkaMessage, type LogEntry, type Message, type Producer } from 'kafkajs';
import { decodeCloudEventHeaders, encodeCloudEventHeaders } from './cloudevents-headers';
import { fixKafkaJsIdleLoop } from './kafkajs-idle-loop-fix';
import { concurrencyLimit, DEFAULT_KEY_CONCURRENCY, handleByKey, handledPrefixOf } from './keyed-concurrency';
import { MessageBus, type DeliveredMessage, type IntegrationMessage, type SubscribeOptions, type Subscription } from './message-bus';

/** Where the bus reports, pino-style (fields first), like every other Varde component. */
export type MessageBusLogger = Readonly<{
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}>;

const consoleLogger: MessageBusLogger = {
  info: (fields, message) => console.warn(message, fields),
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

/** How to reach Kafka and how to create topics. */
export type KafkaMessageBusOptions = Readonly<{
  brokers: readonly string[];
  clientId: string;
  /** Receives kafkajs's warnings and errors and the bus's own; default `console`. */
  logger?: MessageBusLogger;
  /** Partitions of each topic `ensureTopics` creates (default 6). */
  partitions?: number;
  /** Replication factor of each topic `ensureTopics` creates: 1 on the local single broker (default), 3 in production. */
  replicationFactor?: number;
  /**
   * How long the group coordinator waits to hear from a consumer before it hands the consumer's partitions to the
   * others (default 10 s; kafkajs's own is 30 s). A consumer that stops cleanly leaves its group at once; this bounds
   * the gap after one that dies (SIGKILL, an OOM kill, a lost node). At least the broker's
   * `group.min.session.timeout.ms` (6 s by default); a handler must not keep a consumer from the group this long.
   */
  sessionTimeoutMs?: number;
  /**
   * Most bytes (keys, values, headers) one produce request carries; a larger publish is sent as several requests,
   * in order. Default 512 KiB, under the broker's default `message.max.bytes` (1 MiB) for one partition's batch.
   */
  maxRequestBytes?: number;
  /**
   * `max.message.bytes` of each topic `ensureTopics` creates, and raised to on an existing topic whose limit is
   * lower: the largest single record (batch) the broker takes. Default 8 MiB, so one large event (a decision
   * citing many readings) still fits on its own.
   */
  maxMessageBytes?: number;
}>;

const healthTimeoutMs = 3_000;
const readAllTimeoutMs = 30_000;
const readAllAttempts = 5;
// First wait before reading again (doubling): 0.25 + 0.5 + 1 + 2 s at most before the last attempt.
const readAllRetryMs = 250;
const maxResubscribeDelayMs = 30_000;
const handlerRetry = { initialRetryTime: 1_000, maxRetryTime: 30_000, retries: 5 };
// How long a fetch waits for new records; stopping waits for the fetch in flight, so this bounds shutdown.
const maxFetchWaitMs = 1_000;
/** See {@link KafkaMessageBusOptions.sessionTimeoutMs}. */
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
// Handled offsets are committed at most this often (and when stopping or failing), not after every batch: kafkajs
// otherwise sends an OffsetCommit, and waits for it, after each partition's batch. Redelivery after a crash is
// then at most this much of what was already handled, which consumers skip as duplicates.
const commitIntervalMs = 1_000;
const noop = (): void => undefined;
const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const MAX_MESSAGE_BYTES = 'max.message.bytes';

type Outgoing = Readonly<{ message: IntegrationMessage; record: Message }>;

/**
 * Splits a publish into produce requests of at most `maxBytes` each (a record larger than that goes alone). The
 * broker refuses a partition's batch over its `message.max.bytes`, and a relay batch of 500 large events would
 * otherwise be refused, retried and refused again for as long as it was at the head of the log.
 */
export function requestSlices(messages: readonly IntegrationMessage[], maxBytes: number): Outgoing[][] {
  const slices: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const message of messages) {
    const headers = encodeCloudEventHeaders(message);
    const record: Message = { key: message.key, value: Buffer.from(message.payload), headers };
    const size = recordBytes(record);
    if (current.length > 0 && bytes + size > maxBytes) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ message, record });
    bytes += size;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

// Key, value and headers as they go on the wire, plus a record's own framing (a few varints).
function recordBytes(record: Message): number {
  let size = 16 + Buffer.byteLength(String(record.key ?? '')) + (record.value as Buffer).length;
  for (const [name, value] of Object.entries(record.headers ?? {})) size += 8 + Buffer.byteLength(name) + Buffer.byteLength(String(value ?? ''));
  return size;
}

/**
 * The messaging port over Apache Kafka (kafkajs). Publishing is idempotent and waits for all in-sync
 * replicas; consuming is at-least-once: an offset is committed only after its handler resolved.
 */
export class KafkaMessageBus extends MessageBus {
  private readonly kafka: Kafka;
  /** A separate client that never retries, so a health check answers within its timeout. */
  private readonly probe: Kafka;
  private readonly logger: MessageBusLogger;
  private readonly subscriptions = new Set<Subscription>();
  private producer: Promise<Producer> | undefined;

  constructor(private readonly options: KafkaMessageBusOptions) {
    super();
    // Every connection of an unpatched kafkajs 2.2.4 spins a 1 ms timer for ever (see the fix).
    fixKafkaJsIdleLoop();
    this.logger = options.logger ?? consoleLogger;
    const brokers = [...options.brokers];
    this.kafka = new Kafka({ clientId: options.clientId, brokers, logLevel: logLevel.WARN, logCreator: () => this.logKafkaJs });
    this.probe = new Kafka({
      clientId: `${options.clientId}-health`,
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
    });
  }

  override async publish(messages: readonly IntegrationMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    // One request per slice, in order: with one request in flight a key's records keep their order across slices.
    for (const slice of requestSlices(messages, this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES)) {
      const byTopic = new Map<string, Message[]>();
      for (const { message, record } of slice) {
        const records = byTopic.get(message.topic);
        if (records) records.push(record);
        else byTopic.set(message.topic, [record]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, records]) => ({ topic, messages: records })) });
    }
  }

  override async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const subscription = new KafkaSubscription(this.kafka, options, this.logger, this.options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS);
    this.subscriptions.add(subscription);
    await subscription.start();
    return {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  override async ensureTopics(topics: readonly string[]): Promise<void> {
    // Several services create the same topics as they start together; while one creation is under way the
    // others see "does not host this topic-partition". Retry until every topic exists with a leader.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.createMissingTopics(topics);
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        this.logger.warn({ err: error, attempt }, 'creating Kafka topics failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      }
    }
  }

  private async createMissingTopics(topics: readonly string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const wanted = [...new Set(topics)];
      const missing = wanted.filter((topic) => !existing.has(topic));
      const maxMessageBytes = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
      if (missing.length > 0) {
        const numPartitions = this.options.partitions ?? 6;
        const replicationFactor = this.options.replicationFactor ?? 1;
        // Resolves false when another process created them in the meantime, which is just as good.
        const configEntries = [{ name: MAX_MESSAGE_BYTES, value: String(maxMessageBytes) }];
        await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor, configEntries })) });
      }
      await this.raiseMessageLimit(admin, wanted.filter((topic) => existing.has(topic)), maxMessageBytes);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Topics created before Varde set `max.message.bytes` (or by hand without it) take only the broker's 1 MiB
   * default, and a relay whose next event is larger retries it for ever. Raises the limit of such topics, keeping
   * every other setting made on the topic (Kafka's AlterConfigs replaces a topic's whole configuration); never
   * lowers it. Where the cluster does not allow it, says what to run instead and goes on.
   */
  private async raiseMessageLimit(admin: Admin, topics: readonly string[], maxMessageBytes: number): Promise<void> {
    if (topics.length === 0) return;
    try {
      const { resources } = await admin.describeConfigs({ resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })), includeSynonyms: false });
      const raise = resources.flatMap((resource) => {
        const limit = resource.configEntries.find((e) => e.configName === MAX_MESSAGE_BYTES);
        if (resource.errorCode !== 0 || !limit || Number(limit.configValue) >= maxMessageBytes) return [];
        const kept = resource.configEntries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== MAX_MESSAGE_BYTES && !e.isSensitive && !e.readOnly);
        const configEntries = [...kept.map((e) => ({ name: e.configName, value: e.configValue })), { name: MAX_MESSAGE_BYTES, value: String(maxMessageBytes) }];
        return [{ type: ConfigResourceTypes.TOPIC, name: resource.resourceName, configEntries, from: limit.configValue }];
      });
      if (raise.length === 0) return;
      await admin.alterConfigs({ validateOnly: false, resources: raise.map(({ from: _from, ...resource }) => resource) });
      for (const { name, from } of raise) this.logger.info({ topic: name, from: Number(from), to: maxMessageBytes }, `raised ${MAX_MESSAGE_BYTES} of topic ${name}`);
    } catch (error) {
      this.logger.warn(
        { err: error, topics },
        `could not check or raise ${MAX_MESSAGE_BYTES} of existing topics; set it to ${maxMessageBytes} by hand (kafka-configs.sh --alter --entity-type topics --entity-name <topic> --add-config ${MAX_MESSAGE_BYTES}=${maxMessageBytes})`,
      );
    }
  }

  override async isHealthy(): Promise<boolean> {
    const admin = this.probe.admin();
    const check = (async () => {
      await admin.connect();
      await admin.describeCluster();
      return true;
    })();
    try {
      return await withTimeout(check, healthTimeoutMs, 'Kafka health check timed out');
    } catch {
      return false;
    } finally {
      void admin.disconnect().catch(noop);
    }
  }

  override async readAll(topic: string): Promise<readonly DeliveredMessage[]> {
    // A fresh group's first join can fail while the broker is still loading its coordinator (just after a
    // start or restart), and a topic created a moment ago may have no partition leader yet ("not the leader for
    // that topic-partition"): try again after a short, growing wait, with a new throwaway group, rather than
    // failing the caller.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.readAllOnce(topic);
      } catch (error) {
        if (attempt >= readAllAttempts) throw error;
        this.logger.warn({ err: error, topic, attempt }, 'reading a topic from the beginning failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, readAllRetryMs * 2 ** (attempt - 1)));
      }
    }
  }

  private async readAllOnce(topic: string): Promise<readonly DeliveredMessage[]> {
    const ends = await this.endOffsets(topic);
    if (ends.size === 0) return [];
    // kafkajs cannot assign partitions without a group, so a throwaway group that never commits is used.
    const groupId = `${this.options.clientId}.read-all.${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: maxFetchWaitMs });
    // Keyed by position: a rebalance of the throwaway group (likely on a busy machine) delivers a batch again.
    const messages = new Map<string, DeliveredMessage>();
    let reachedEnd = noop;
    const allRead = new Promise<void>((resolve) => (reachedEnd = resolve));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = ends.get(batch.partition);
          if (end === undefined) return;
          for (const record of batch.messages) {
            const delivered = BigInt(record.offset) < end ? toDeliveredMessage(topic, batch.partition, record, this.logger) : undefined;
            if (delivered !== undefined) messages.set(`${batch.partition}:${record.offset}`, delivered);
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) {
            ends.delete(batch.partition);
            if (ends.size === 0) reachedEnd();
          }
        },
      });
      const crashed = new Promise<never>((_, reject) => consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error)));
      crashed.catch(noop); // a crash after the end was reached changes nothing
      await withTimeout(Promise.race([allRead, crashed]), readAllTimeoutMs, `Reading topic ${topic} did not reach its end within ${readAllTimeoutMs / 1000} s`);
    } finally {
      await consumer.disconnect().catch(noop);
      await this.deleteGroup(groupId);
    }
    return [...messages.values()].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  override async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.subscriptions.clear();
    const producer = this.producer;
    this.producer = undefined;
    if (producer !== undefined) await (await producer.catch(() => undefined))?.disconnect();
  }

  /** The producer, connected on first use; a failed connection is forgotten so the next publish tries again. */
  private connectedProducer(): Promise<Producer> {
    if (this.producer === undefined) {
      // Idempotence keeps a retried send from duplicating or reordering records; kafkajs needs acks=-1 for it.
      // The default (murmur2) partitioner puts a key on the same partition as Java and other clients do.
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      const connecting = producer.connect().then(() => producer);
      this.producer = connecting;
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
    }
    return this.producer;
  }

  /** Per partition that holds records: the offset just past its last record. */
  private async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) return new Map();
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  private async deleteGroup(groupId: string): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch (error) {
      // Harmless: an empty group without offsets expires on its own.
      this.logger.warn({ groupId, error: (error as Error).message }, 'Could not delete a throwaway consumer group');
    } finally {
      await admin.disconnect().catch(noop);
    }
  }

  private readonly logKafkaJs = ({ namespace, level, log }: LogEntry): void => {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
    const line = `kafkajs ${namespace}: ${message}`;
    if (level === logLevel.ERROR) this.logger.error(fields, line);
    else if (level === logLevel.WARN) this.logger.warn(fields, line);
    else this.logger.info(fields, line);
  };
}

/**
 * One consumer group membership. Each fetched batch is handled patient by patient side by side (see
 * handleByKey), and offsets are resolved only past handled messages, so kafkajs redelivers from the first
 * message whose handler threw (it retries, then restarts the consumer from the committed offset once its
 * retries run out); this class adds a start that survives an unreachable broker.
 */
class KafkaSubscription implements Subscription {
  private consumer: Consumer | undefined;
  private attempt: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  /** Commits every handled offset not yet committed; set by the running consumer's batches. */
  private commitHandled: (() => Promise<void>) | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly logger: MessageBusLogger,
    private readonly sessionTimeout: number,
  ) {}

  /** Starts consuming; never rejects: when Kafka cannot be reached it logs and keeps trying in the background. */
  start(): Promise<void> {
    this.attempt = this.run();
    return this.attempt;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.attempt;
    // What was handled since the last interval's commit; a batch still in flight commits its own as it ends.
    await this.commitHandled?.().catch(noop);
    await this.consumer?.disconnect().catch(noop);
  }

  private async run(): Promise<void> {
    const { groupId, topics, handler, fromBeginning = true } = this.options;
    // A throwing handler has already retried on its own, so kafkajs waits between redeliveries (1 s doubling
    // to 30 s) instead of its default tight loop that mostly floods the log.
    const { sessionTimeout } = this;
    // Heartbeats several times per session timeout, so a rebalance (a replica joining or leaving) is noticed within
    // a second and a slow beat or two do not cost the membership.
    const consumer = this.kafka.consumer({ groupId, retry: handlerRetry, maxWaitTimeInMs: maxFetchWaitMs, sessionTimeout, heartbeatInterval: Math.min(1_000, sessionTimeout / 5) });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts by itself after retriable errors; any other crash would end consumption for good.
      if (!payload.restart) this.retryLater(`Consumer group ${groupId} crashed: ${payload.error.message}`);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning });
      const concurrency = this.options.concurrency ?? DEFAULT_KEY_CONCURRENCY;
      // One limit for the whole subscription: partitions side by side never hold more handlers than that.
      const limit = concurrencyLimit(concurrency);
      const limited = (message: DeliveredMessage): Promise<void> => limit(() => handler(message));
      const { handleRun } = this.options;
      const limitedRun = handleRun && ((messages: readonly DeliveredMessage[]): Promise<void> => limit(() => handleRun(messages)));
      await consumer.run({
        // Partitions are handled in parallel (each in order), so one patient's slow message does not hold up others.
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 6,
        // Offsets are resolved here, only past handled messages: a stop part-way must not skip the rest.
        eachBatchAutoResolve: false,
        // Committed here: every commitIntervalMs, and at once when stopping or failing.
        autoCommit: false,
        autoCommitInterval: commitIntervalMs,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }) => {
          const commitHandled = (): Promise<void> => commitOffsetsIfNecessary(uncommittedOffsets());
          this.commitHandled = commitHandled;
          const stopped = (): boolean => !isRunning() || isStale();
          const records = batch.messages.map((record) => ({ offset: record.offset, delivered: toDeliveredMessage(batch.topic, batch.partition, record, this.logger) }));
          // In slices, so offsets move and the group hears from us while a large fetch is worked through.
          for (let start = 0; start < records.length && !stopped(); start += KEYED_SLICE) {
            const slice = records.slice(start, start + KEYED_SLICE);
            const messages = slice.flatMap((r) => (r.delivered ? [r.delivered] : []));
            let handled: number;
            try {
              handled = await handleByKey(messages, limited, concurrency, stopped, limitedRun);
            } catch (error) {
              resolveHandled(slice, handledPrefixOf(error), resolveOffset);
              // kafkajs redelivers from the last commit when it gives the batch up: not what was handled.
              await commitHandled().catch(noop);
              throw error;
            }
            resolveHandled(slice, handled, resolveOffset);
            if (handled < messages.length) break;
            await heartbeat();
          }
          await (stopped() ? commitHandled() : commitOffsetsIfNecessary());
        },
      });
      this.failures = 0;
    } catch (error) {
      await consumer.disconnect().catch(noop);
      this.retryLater(`Could not start consumer group ${groupId}: ${(error as Error).message}`);
    }
  }

  private retryLater(reason: string): void {
    if (this.stopped) return;
    const delayMs = Math.min(maxResubscribeDelayMs, 1_000 * 2 ** this.failures++);
    this.logger.warn({ groupId: this.options.groupId }, `${reason}; trying again in ${delayMs / 1000} s`);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) this.attempt = this.run();
    }, delayMs);
  }
}

/** Messages of one fetched batch handed to handleByKey at a time. */
const KEYED_SLICE = 100;

/** Resolves the offset of the last record before the first unhandled message (records that are no CloudEvent count as handled). */
function resolveHandled(slice: readonly { offset: string; delivered: DeliveredMessage | undefined }[], handledMessages: number, resolveOffset: (offset: string) => void): void {
  let seen = 0;
  let last: string | undefined;
  for (const record of slice) {
    if (record.delivered) {
      if (seen === handledMessages) break;
      seen++;
    }
    last = record.offset;
  }
  if (last !== undefined) resolveOffset(last);
}

/** Turns a Kafka record into a delivered message; a record that is not a CloudEvent is logged and skipped. */
function toDeliveredMessage(topic: string, partition: number, record: KafkaMessage, logger: MessageBusLogger): DeliveredMessage | undefined {
  try {
    return {
      ...decodeCloudEventHeaders(record.headers ?? {}),
      topic,
      partition,
      offset: record.offset,
      key: record.key?.toString('utf8') ?? '',
      payload: new Uint8Array(record.value ?? Buffer.alloc(0)),
    };
  } catch (error) {
    // No handler can process it and retrying cannot fix it; blocking here would stall the whole partition.
    logger.error({ topic, partition, offset: record.offset, error: (error as Error).message }, 'Skipping a record that is not a CloudEvents 1.0 integration event');
    return undefined;
  }
}

/** Resolves or rejects like `promise`, or rejects with `message` after `ms`; never leaves a rejection unhandled. */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  promise.catch(noop);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
