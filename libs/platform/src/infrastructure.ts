import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createPostgresEventStore } from '@varde/event-sourcing';
import { createClient, createPool, ensureSchema, schemaConnectionString } from '@varde/database';
import { KafkaMessageBus, MessageBus, PostgresMessageBus, startRelay, type IntegrationMapper, type Relay } from '@varde/messaging';
import { createLogger, HealthRegistry, MetricsRegistry, type Logger } from '@varde/telemetry';
import pg from 'pg';
import { ClientCredentialsTokens, type ServiceCredentials } from './service-credentials';
import type { PlatformConfig } from './platform-config';

/** The real components a service runs on, created once at start-up and closed in order at shutdown. */
export type Infrastructure = Readonly<{
  config: PlatformConfig;
  logger: Logger;
  metrics: MetricsRegistry;
  health: HealthRegistry;
  pool: pg.Pool;
  eventStore: PostgresEventStore;
  bus: MessageBus;
  /** The credential this service sends with its calls to other services (ADR 0013). */
  credentials: ServiceCredentials;
}>;

/** Connects to PostgreSQL (the service's schema) and to the bus chosen by the configuration. */
export async function createInfrastructure(config: PlatformConfig): Promise<Infrastructure> {
  const logger = createLogger({ service: config.service, level: config.logLevel });
  const metrics = new MetricsRegistry(config.service);
  const health = new HealthRegistry();
  await ensureSchema(config.database.url, config.database.schema);
  const onConnectionError = (error: Error): void => logger.warn({ err: error }, 'a database connection failed; it is dropped and a new one opened when needed');
  const pool = createPool({ connectionString: schemaConnectionString(config.database.url, config.database.schema), max: config.database.poolSize, onConnectionError });
  const eventStore = await createPostgresEventStore({ databaseUrl: config.database.url, schema: config.database.schema, onConnectionError });
  const bus = createMessageBus(config, logger);
  health.register('database', async () => (await pool.query('SELECT 1')).rowCount === 1, { critical: true });
  health.register(config.messaging.mode === 'kafka' ? 'kafka' : 'event-log', () => bus.isHealthy(), { critical: true });
  return { config, logger, metrics, health, pool, eventStore, bus, credentials: new ClientCredentialsTokens(config.serviceIdentity) };
}

/** The bus the configuration chooses: Kafka (`KAFKA_BROKERS`), or the event log in PostgreSQL (embedded mode). */
export function createMessageBus(config: PlatformConfig, logger?: Logger): MessageBus {
  return config.messaging.mode === 'kafka'
    ? new KafkaMessageBus({ brokers: config.messaging.brokers, clientId: `varde-${config.service}`, ...(logger ? { logger } : {}), replicationFactor: config.messaging.replicationFactor, sessionTimeoutMs: config.messaging.sessionTimeoutMs })
    : new PostgresMessageBus({ databaseUrl: config.database.url, schema: config.messaging.schema, ...(logger ? { logger } : {}) });
}

/**
 * Runs `work` (the part of a service's start-up that changes its schema: Emmett's tables, then the migrations)
 * holding a lock on the schema, so that replicas starting together do it one after the other. Before the lock, two sessions
 * creating the same table at once made one of them fail (a unique violation on pg_type), and that replica
 * exited: one pod in two of a fresh install restarted. The lock is a session advisory lock on a connection of its
 * own, released when `work` ends or the process dies.
 */
export async function startingAlone<T>(databaseUrl: string, schema: string, work: () => Promise<T>): Promise<T> {
  const client = createClient(databaseUrl);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`varde-start:${schema}`]);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts the relay of a service's integration events from its event log to the bus. */
export function startServiceRelay(infra: Infrastructure, map: IntegrationMapper): Promise<Relay> {
  return startRelay({
    databaseUrl: infra.config.database.url,
    schema: infra.config.database.schema,
    bus: infra.bus,
    map,
    logger: infra.logger,
    onLag: (events) => infra.metrics.relayLag.set(events),
    onPublished: (messages) => {
      infra.metrics.messagesPublished.inc({ topic: `varde.${infra.config.service}.v1` }, messages.length);
      const now = Date.now();
      for (const m of messages) infra.metrics.relayDelay.observe(secondsSince(m.recordedTime, now));
    },
  });
}

/** Seconds from an ISO time to `now` (epoch ms); never negative, so clock skew between hosts cannot go below zero. */
export const secondsSince = (iso: string, now: number): number => Math.max(0, (now - Date.parse(iso)) / 1000);

/** Closes what {@link createInfrastructure} opened. */
export async function closeInfrastructure(infra: Infrastructure): Promise<void> {
  await Promise.allSettled([infra.bus.close(), infra.eventStore.close()]);
  await infra.pool.end().catch(() => undefined);
}
