import type { Consumer, Kafka } from 'kafkajs';
import { concurrencyLimit, DEFAULT_KEY_CONCURRENCY, handleByKey, handledPrefixOf } from './keyed-concurrency';
import { GATHER_MIN_BYTES, type DeliveredMessage, type SubscribeOptions, type Subscription } from './message-bus';
import { MAX_FETCH_WAIT_MS, noop, toDeliveredMessage, type MessageBusLogger } from './kafka-shared';

const maxResubscribeDelayMs = 30_000;
const handlerRetry = { initialRetryTime: 1_000, maxRetryTime: 30_000, retries: 5 };
// Handled offsets are committed at most this often (and when stopping or failing), not after every batch: kafkajs
// otherwise sends an OffsetCommit, and waits for it, after each partition's batch. Redelivery after a crash is
// then at most this much of what was already handled, which consumers skip as duplicates.
const commitIntervalMs = 1_000;

/**
 * One consumer group membership. Each fetched batch is handled patient by patient side by side (see
 * handleByKey), and offsets are resolved only past handled messages, so kafkajs redelivers from the first
 * message whose handler threw (it retries, then restarts the consumer from the committed offset once its
 * retries run out); this class adds a start that survives an unreachable broker.
 */
export class KafkaSubscription implements Subscription {
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
    const { gatherMs } = this.options;
    const fetch = gatherMs ? { minBytes: GATHER_MIN_BYTES, maxWaitTimeInMs: Math.min(gatherMs, MAX_FETCH_WAIT_MS) } : { maxWaitTimeInMs: MAX_FETCH_WAIT_MS };
    const consumer = this.kafka.consumer({ groupId, retry: handlerRetry, ...fetch, sessionTimeout, heartbeatInterval: Math.min(1_000, sessionTimeout / 5) });
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
              handled = await handleByKey(messages, limited, concurrency, stopped, limitedRun, this.options.runsAcrossKeys);
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

