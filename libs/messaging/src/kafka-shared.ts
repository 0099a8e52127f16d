// What the Kafka bus's parts (kafka-message-bus, kafka-subscription, kafka-topic-admin, kafka-read-all) share.
import type { KafkaMessage } from 'kafkajs';
import { decodeCloudEventHeaders } from './cloudevents-headers';
import type { DeliveredMessage } from './message-bus';

/** Where the bus reports, pino-style (fields first), like every other Varde component. */
export type MessageBusLogger = Readonly<{
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}>;

/** The logger of a bus given none. */
export const consoleLogger: MessageBusLogger = {
  info: (fields, message) => console.warn(message, fields),
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

// How long a fetch waits for new records; stopping waits for the fetch in flight, so this bounds shutdown.
export const MAX_FETCH_WAIT_MS = 1_000;
/** Does nothing (a rejection or callback deliberately ignored). */
export const noop = (): void => undefined;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Turns a Kafka record into a delivered message; a record that is not a CloudEvent is logged and skipped. */
export function toDeliveredMessage(topic: string, partition: number, record: KafkaMessage, logger: MessageBusLogger): DeliveredMessage | undefined {
  try {
    const message = decodeCloudEventHeaders(record.headers ?? {}) as Mutable<DeliveredMessage>;
    message.topic = topic;
    message.partition = partition;
    message.offset = record.offset;
    message.key = record.key?.toString('utf8') ?? '';
    // A view of the fetched bytes, not a copy: every group of every service reads every record.
    message.payload = record.value ? new Uint8Array(record.value.buffer, record.value.byteOffset, record.value.byteLength) : new Uint8Array(0);
    return message;
  } catch (error) {
    // No handler can process it and retrying cannot fix it; blocking here would stall the whole partition.
    logger.error({ topic, partition, offset: record.offset, error: (error as Error).message }, 'Skipping a record that is not a CloudEvents 1.0 integration event');
    return undefined;
  }
}

/** Resolves or rejects like `promise`, or rejects with `message` after `ms`; never leaves a rejection unhandled. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  promise.catch(noop);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
