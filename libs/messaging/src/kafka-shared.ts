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

/** Turns a Kafka record into a delivered message; a record that is not a CloudEvent is logged and skipped. */
export function toDeliveredMessage(topic: string, partition: number, record: KafkaMessage, logger: MessageBusLogger): DeliveredMessage | undefined {
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
