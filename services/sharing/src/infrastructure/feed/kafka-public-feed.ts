import type { OnModuleDestroy } from '@nestjs/common';
import { UnavailableError } from '@varde/core';
import { publicEventDomain, publicEventTypes, publicFeedTopic, type IntegrationEventCodec } from '@varde/contracts';
import { KafkaMessageBus, type IntegrationMessage, type MessageBusLogger } from '@varde/messaging';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { PublicFeed, type OutgoingPublicEvent } from '../../application/feed/public-feed.ports';

/** Where the public feed is published: the cluster's bootstrap servers, Varde's SCRAM credentials there, and TLS. */
export type PublicFeedCluster = Readonly<{ brokers: readonly string[]; sasl?: SASLOptions; ssl?: ConnectionOptions | true; replicationFactor: number; partitions: number }>;

/**
 * {@link PublicFeed} on a Kafka cluster (usually not the internal one): CloudEvents 1.0 in binary mode, the payload
 * the protobuf of `proto/varde/public`, one topic per trust and domain, created on first use.
 */
export class KafkaPublicFeed extends PublicFeed implements OnModuleDestroy {
  private readonly bus: KafkaMessageBus;
  private readonly created = new Set<string>();

  constructor(cluster: PublicFeedCluster, logger: MessageBusLogger) {
    super();
    this.bus = new KafkaMessageBus({ brokers: cluster.brokers, clientId: 'varde-public-feed', logger, replicationFactor: cluster.replicationFactor, partitions: cluster.partitions, ...(cluster.sasl ? { sasl: cluster.sasl } : {}), ...(cluster.ssl ? { ssl: cluster.ssl } : {}) });
  }

  override async publish(events: readonly OutgoingPublicEvent[]): Promise<void> {
    if (events.length === 0) return;
    const recordedTime = new Date().toISOString();
    const messages: IntegrationMessage[] = events.map((e) => ({
      id: e.id,
      type: e.event.type,
      source: 'varde/sharing',
      topic: publicFeedTopic(e.trust, publicEventDomain(e.event.type)),
      key: e.key,
      time: e.time,
      recordedTime,
      correlationId: e.correlationId,
      causationId: e.id,
      payload: (publicEventTypes[e.event.type] as IntegrationEventCodec<unknown>).encode(e.event.message),
    }));
    try {
      const missing = [...new Set(messages.map((m) => m.topic))].filter((t) => !this.created.has(t));
      if (missing.length > 0) {
        await this.bus.ensureTopics(missing);
        for (const topic of missing) this.created.add(topic);
      }
      await this.bus.publish(messages);
    } catch (error) {
      // The feed's cluster away, or refusing Varde (credentials, ACLs): an operator's matter, never a reason to drop
      // an event. As unavailable, the consumer keeps the event, in order, and tries again until it goes through.
      throw new UnavailableError(`the public feed's cluster did not take the events: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Whether the feed's cluster answers. */
  isHealthy(): Promise<boolean> {
    return this.bus.isHealthy();
  }

  async onModuleDestroy(): Promise<void> {
    await this.bus.close();
  }
}
