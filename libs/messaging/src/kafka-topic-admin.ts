import { ConfigResourceTypes, ConfigSource, type Admin, type Kafka } from 'kafkajs';
import { noop, type MessageBusLogger } from './kafka-shared';

/** How `ensureTopics` creates topics (see KafkaMessageBusOptions). */
export type TopicSettings = Readonly<{ partitions?: number; replicationFactor?: number; maxMessageBytes?: number }>;

const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const MAX_MESSAGE_BYTES = 'max.message.bytes';

/**
 * Topic administration of the Kafka bus: creating the topics a service needs (and raising an old topic's message
 * limit), the end offsets of a topic, and deleting a throwaway consumer group.
 */
export class KafkaTopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly logger: MessageBusLogger,
    private readonly settings: TopicSettings,
  ) {}

  async ensureTopics(topics: readonly string[]): Promise<void> {
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
      const maxMessageBytes = this.settings.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
      if (missing.length > 0) {
        const numPartitions = this.settings.partitions ?? 6;
        const replicationFactor = this.settings.replicationFactor ?? 1;
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

  /** Per partition that holds records: the offset just past its last record. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
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

  async deleteGroup(groupId: string): Promise<void> {
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
}
