import type { Provider } from '@nestjs/common';
import { ConfigError, env, loadConfig, z } from '@varde/config';
import type { Infrastructure } from '@varde/platform';
import { PublicFeedConsumer } from './application/feed/public-feed.consumer';
import { FeedDeliveries, PublicFeed } from './application/feed/public-feed.ports';
import { KafkaPublicFeed } from './infrastructure/feed/kafka-public-feed';
import { PostgresFeedDeliveries } from './infrastructure/feed/postgres-feed-deliveries';

/**
 * The public event feed's settings. PUBLIC_FEED_BROKERS unset: no feed (the default). Set: the feed's cluster
 * (bootstrap servers of its SASL listener) and Varde's SCRAM-SHA-512 user there.
 */
export function loadFeedConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      PUBLIC_FEED_BROKERS: env.list(),
      PUBLIC_FEED_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256', 'none'], { errorMap: () => ({ message: 'expected scram-sha-512, scram-sha-256 or none' }) }).default('scram-sha-512'),
      PUBLIC_FEED_USERNAME: z.string().min(1).optional(),
      PUBLIC_FEED_PASSWORD: z.string().min(1).optional(),
      PUBLIC_FEED_REPLICATION_FACTOR: env.int(1),
      PUBLIC_FEED_PARTITIONS: env.int(3),
    },
    source,
  );
  if (config.PUBLIC_FEED_BROKERS.length === 0) return undefined;
  if (config.PUBLIC_FEED_SASL_MECHANISM === 'none') return { ...config, sasl: undefined };
  const missing = (['PUBLIC_FEED_USERNAME', 'PUBLIC_FEED_PASSWORD'] as const).filter((k) => !config[k]).map((k) => `${k}: required when PUBLIC_FEED_BROKERS is set (or PUBLIC_FEED_SASL_MECHANISM=none)`);
  if (missing.length > 0) throw new ConfigError(missing);
  return { ...config, sasl: { mechanism: config.PUBLIC_FEED_SASL_MECHANISM, username: config.PUBLIC_FEED_USERNAME!, password: config.PUBLIC_FEED_PASSWORD! } };
}

/** The validated feed settings (undefined: no feed). */
export type FeedConfig = NonNullable<ReturnType<typeof loadFeedConfig>>;

/** The public event feed for other health trusts, for the sharing module (it needs PatientIdentities, see pmd.providers). */
export function feedProviders(infra: Infrastructure, config: FeedConfig): Provider[] {
  return [
    {
      provide: PublicFeed,
      useFactory: () => {
        const feed = new KafkaPublicFeed({ brokers: config.PUBLIC_FEED_BROKERS, replicationFactor: config.PUBLIC_FEED_REPLICATION_FACTOR, partitions: config.PUBLIC_FEED_PARTITIONS, ...(config.sasl ? { sasl: config.sasl } : {}) }, infra.logger);
        // Not critical: the service goes on without the feed; events wait in the internal topics until it is back.
        infra.health.register('public-feed', () => feed.isHealthy(), { critical: false });
        return feed;
      },
    },
    PostgresFeedDeliveries,
    { provide: FeedDeliveries, useExisting: PostgresFeedDeliveries },
    PublicFeedConsumer,
  ];
}
