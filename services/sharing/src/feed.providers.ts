import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Provider } from '@nestjs/common';
import { ConfigError, env, loadConfig, z } from '@varde/config';
import type { Infrastructure } from '@varde/platform';
import { PublicFeedConsumer } from './application/feed/public-feed.consumer';
import { FeedDeliveries, PublicFeed } from './application/feed/public-feed.ports';
import { KafkaPublicFeed } from './infrastructure/feed/kafka-public-feed';
import { PostgresFeedDeliveries } from './infrastructure/feed/postgres-feed-deliveries';

/**
 * The public event feed's settings. PUBLIC_FEED_BROKERS unset: no feed (the default). Set: the feed's cluster
 * (bootstrap servers of its SASL listener), Varde's SCRAM-SHA-512 user there, and TLS: `PUBLIC_FEED_TLS=true`
 * (SASL_SSL; the system's CAs, or the PEM bundle of `PUBLIC_FEED_TLS_CA_FILE` for a private CA).
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
      PUBLIC_FEED_TLS: env.oneOf(['true', 'false'], 'false'),
      PUBLIC_FEED_TLS_CA_FILE: z.string().min(1).optional(),
    },
    source,
  );
  if (config.PUBLIC_FEED_BROKERS.length === 0) return undefined;
  const ssl = feedTls(config.PUBLIC_FEED_TLS === 'true', config.PUBLIC_FEED_TLS_CA_FILE);
  if (config.PUBLIC_FEED_SASL_MECHANISM === 'none') return { ...config, ssl, sasl: undefined };
  const missing = (['PUBLIC_FEED_USERNAME', 'PUBLIC_FEED_PASSWORD'] as const).filter((k) => !config[k]).map((k) => `${k}: required when PUBLIC_FEED_BROKERS is set (or PUBLIC_FEED_SASL_MECHANISM=none)`);
  if (missing.length > 0) throw new ConfigError(missing);
  return { ...config, ssl, sasl: { mechanism: config.PUBLIC_FEED_SASL_MECHANISM, username: config.PUBLIC_FEED_USERNAME!, password: config.PUBLIC_FEED_PASSWORD! } };
}

/** TLS to the feed's cluster: off, on with the system's CAs, or on with the CA bundle of a PEM file, read and checked at start-up. */
function feedTls(enabled: boolean, caFile: string | undefined): ConnectionOptions | true | undefined {
  if (caFile === undefined) return enabled ? true : undefined;
  if (!enabled) throw new ConfigError(['PUBLIC_FEED_TLS_CA_FILE: set only with PUBLIC_FEED_TLS=true (the CA is for a TLS listener)']);
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new ConfigError([`PUBLIC_FEED_TLS_CA_FILE: cannot read ${caFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError([`PUBLIC_FEED_TLS_CA_FILE: ${caFile} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`]);
  return { ca: [pem] };
}

/** The validated feed settings (undefined: no feed). */
export type FeedConfig = NonNullable<ReturnType<typeof loadFeedConfig>>;

/** The public event feed for other health trusts, for the sharing module (it needs PatientIdentities, see pmd.providers). */
export function feedProviders(infra: Infrastructure, config: FeedConfig): Provider[] {
  return [
    {
      provide: PublicFeed,
      useFactory: () => {
        const feed = new KafkaPublicFeed({ brokers: config.PUBLIC_FEED_BROKERS, replicationFactor: config.PUBLIC_FEED_REPLICATION_FACTOR, partitions: config.PUBLIC_FEED_PARTITIONS, ...(config.sasl ? { sasl: config.sasl } : {}), ...(config.ssl ? { ssl: config.ssl } : {}) }, infra.logger);
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
