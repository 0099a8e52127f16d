/**
 * An integration event on the wire. The payload is protobuf bytes of the message named by `type`
 * (e.g. `varde.pathways.v1.PatientEnrolled`); everything else travels as CloudEvents Kafka headers
 * (binary content mode), so other trusts can read it without Varde's code. See docs/adr/0003-messaging.md.
 */
export type IntegrationMessage = Readonly<{
  /** Globally unique event id (`ce_id`); consumers deduplicate on it. */
  id: string;
  /** Fully qualified protobuf message name (`ce_type`). */
  type: string;
  /** Producing service, e.g. `varde/pathways` (`ce_source`). */
  source: string;
  topic: string;
  /** Partition key: the internal patient id, so each patient's events stay in order. */
  key: string;
  /** When the fact happened in the world (`ce_time`). */
  time: string;
  recordedTime: string;
  correlationId: string;
  causationId: string;
  traceparent?: string;
  tracestate?: string;
  payload: Uint8Array;
  /** Extra headers, e.g. the error of a dead letter. */
  headers?: Readonly<Record<string, string>>;
}>;

/** A message as a consumer receives it, with where it came from. */
export type DeliveredMessage = IntegrationMessage & Readonly<{ partition: number; offset: string }>;

/** What a subscription does with each message; throwing means "not processed, retry". */
export type MessageHandler = (message: DeliveredMessage) => Promise<void>;

/** Options of one consumer group's subscription. */
export type SubscribeOptions = Readonly<{
  groupId: string;
  topics: readonly string[];
  handler: MessageHandler;
  /** Start from the beginning of the topics when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /** Partitions handled in parallel, each still in order (Kafka; default 6). */
  partitionsConsumedConcurrently?: number;
  /** Keys (patients) handled at once within what was fetched, each key's messages in order (default 8; 1 = strictly one at a time). */
  concurrency?: number;
  /** Handles consecutive messages of one key together (a patient's backlog), in order; throwing means none was handled. */
  handleRun?: (messages: readonly DeliveredMessage[]) => Promise<void>;
  /**
   * With `handleRun`: runs are consecutive messages of any keys (up to MAX_RUN, in delivery order, one run at a
   * time) instead of one key's, for handlers that keep nothing between messages.
   */
  runsAcrossKeys?: boolean;
  /**
   * Waits up to this long for more messages before handling what has arrived — on Kafka the fetch waits until it
   * has {@link GATHER_MIN_BYTES} or this long; on the embedded bus a poll that found less than a batch sleeps this
   * long before the next. Under load each run is bigger (fewer fetches, transactions and commits per message), at up
   * to this much more latency at any load: for groups no person waits on (see ConsumerDefinition.background).
   */
  gatherMs?: number;
}>;

/** What a gathering Kafka fetch waits for (see SubscribeOptions.gatherMs): a few hundred integration events. */
export const GATHER_MIN_BYTES = 256 * 1024;

/** A running subscription. */
export interface Subscription {
  /** Stops after the message in hand is finished. */
  stop(): Promise<void>;
}

/**
 * The messaging port: Kafka in production (`KafkaMessageBus`), the PostgreSQL log in embedded mode
 * (`PostgresMessageBus`). Services depend on this, never on a client library.
 */
export abstract class MessageBus {
  /** Publishes and resolves only when the broker has acknowledged every message. */
  abstract publish(messages: readonly IntegrationMessage[]): Promise<void>;
  /** Delivers each key's messages one at a time and in order (keys side by side), committing offsets only past handled messages. */
  abstract subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Creates the topics if they do not exist (idempotent). */
  abstract ensureTopics(topics: readonly string[]): Promise<void>;
  /** True when the bus can be reached now (readiness). */
  abstract isHealthy(): Promise<boolean>;
  /** Reads every message currently on a topic without a consumer group (dead-letter replay, audits). */
  abstract readAll(topic: string): Promise<readonly DeliveredMessage[]>;
  abstract close(): Promise<void>;
}

/** Name of the dead-letter topic of a consumer group for a topic. */
export const deadLetterTopic = (topic: string, groupId: string): string => `${topic}.dlt.${groupId}`;

/** The integration-event topic a service publishes to. */
export const serviceTopic = (service: string): string => `varde.${service}.v1`;
