import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { DeliveredMessage } from './message-bus';
import { MAX_FETCH_WAIT_MS, noop, toDeliveredMessage, withTimeout, type MessageBusLogger } from './kafka-shared';
import type { KafkaTopicAdmin } from './kafka-topic-admin';

const readAllTimeoutMs = 30_000;
const readAllAttempts = 5;
// First wait before reading again (doubling): 0.25 + 0.5 + 1 + 2 s at most before the last attempt.
const readAllRetryMs = 250;

/** Reads a whole topic from its beginning to its end as it is now (tests, rebuilds, the audit), with a throwaway group. */
export class KafkaTopicReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly clientId: string,
    private readonly admin: KafkaTopicAdmin,
    private readonly logger: MessageBusLogger,
  ) {}

  async readAll(topic: string): Promise<readonly DeliveredMessage[]> {
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
    const ends = await this.admin.endOffsets(topic);
    if (ends.size === 0) return [];
    // kafkajs cannot assign partitions without a group, so a throwaway group that never commits is used.
    const groupId = `${this.clientId}.read-all.${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: MAX_FETCH_WAIT_MS });
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
      await this.admin.deleteGroup(groupId);
    }
    return [...messages.values()].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }
}
