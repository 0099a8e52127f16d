import type { ConnectionOptions } from 'node:tls';
import { Kafka, Partitioners, logLevel, type LogEntry, type Message, type Producer, type SASLOptions } from 'kafkajs';
import { encodeCloudEventHeaders } from './cloudevents-headers';
import { fixKafkaJsIdleLoop } from './kafkajs-idle-loop-fix';
import { MessageBus, type DeliveredMessage, type IntegrationMessage, type SubscribeOptions, type Subscription } from './message-bus';
import { KafkaTopicReader } from './kafka-read-all';
import { consoleLogger, noop, withTimeout, type MessageBusLogger } from './kafka-shared';
import { KafkaSubscription } from './kafka-subscription';
import { KafkaTopicAdmin } from './kafka-topic-admin';

export type { MessageBusLogger } from './kafka-shared';

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
  /** SASL credentials (e.g. SCRAM-SHA-512) for a listener that authenticates clients, as the public feed's cluster does; none by default. */
  sasl?: SASLOptions;
  /**
   * TLS to the brokers (`true`: trust the system's CAs; or Node's TLS options, e.g. `{ ca: [pem] }` for a private
   * CA); plain TCP by default.
   */
  ssl?: ConnectionOptions | true;
}>;

const healthTimeoutMs = 3_000;
/** See {@link KafkaMessageBusOptions.sessionTimeoutMs}. */
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;

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
 * replicas; consuming is at-least-once: an offset is committed only after its handler resolved
 * (KafkaSubscription). Topic administration is KafkaTopicAdmin's, reading a whole topic KafkaTopicReader's.
 */
export class KafkaMessageBus extends MessageBus {
  private readonly kafka: Kafka;
  /** A separate client that never retries, so a health check answers within its timeout. */
  private readonly probe: Kafka;
  private readonly logger: MessageBusLogger;
  private readonly subscriptions = new Set<Subscription>();
  private producer: Promise<Producer> | undefined;
  private readonly topics: KafkaTopicAdmin;
  private readonly reader: KafkaTopicReader;

  constructor(private readonly options: KafkaMessageBusOptions) {
    super();
    // Every connection of an unpatched kafkajs 2.2.4 spins a 1 ms timer for ever (see the fix).
    fixKafkaJsIdleLoop();
    this.logger = options.logger ?? consoleLogger;
    const brokers = [...options.brokers];
    const security = { ...(options.sasl ? { sasl: options.sasl } : {}), ...(options.ssl ? { ssl: options.ssl } : {}) };
    this.kafka = new Kafka({ clientId: options.clientId, brokers, ...security, logLevel: logLevel.WARN, logCreator: () => this.logKafkaJs });
    this.probe = new Kafka({
      clientId: `${options.clientId}-health`,
      brokers,
      ...security,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
    });
    this.topics = new KafkaTopicAdmin(this.kafka, this.logger, options);
    this.reader = new KafkaTopicReader(this.kafka, options.clientId, this.topics, this.logger);
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

  override ensureTopics(topics: readonly string[]): Promise<void> {
    return this.topics.ensureTopics(topics);
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

  override readAll(topic: string): Promise<readonly DeliveredMessage[]> {
    return this.reader.readAll(topic);
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

  private readonly logKafkaJs = ({ namespace, level, log }: LogEntry): void => {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
    const line = `kafkajs ${namespace}: ${message}`;
    if (level === logLevel.ERROR) this.logger.error(fields, line);
    else if (level === logLevel.WARN) this.logger.warn(fields, line);
    else this.logger.info(fields, line);
  };
}

