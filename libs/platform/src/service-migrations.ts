import { migrateSchema, type MigrationSet } from '@varde/database';
import { createPostgresEventStore, eventChainMigrations } from '@varde/event-sourcing';
import { messageLogMigrations, messagingMigrations } from '@varde/messaging';
import { startingAlone } from './infrastructure';
import { platformMigrations } from './migrations/platform.migrations';
import type { PlatformConfig } from './platform-config';

/**
 * Every migration set of a service's schema, in the order they run: the libraries' tables (the event chain's, the
 * consumer's and the relay's, the platform's), then the service's own (`services/<service>/src/infrastructure/migrations`).
 */
export const serviceSchemaMigrations = (service: MigrationSet): readonly MigrationSet[] => [eventChainMigrations, messagingMigrations, platformMigrations, service];

/**
 * Brings a service's database to the latest version without starting the service (`npm run migrate`, a
 * Kubernetes Job before a rollout): Emmett's event store schema (Emmett's own migrations), the service's
 * schema, and in embedded mode the PostgreSQL event log's. Holds the schema's start-up lock (see startingAlone), so
 * it never races a starting replica. Returns the steps applied now.
 */
export async function migrateServiceDatabase(config: PlatformConfig, migrations: MigrationSet): Promise<readonly string[]> {
  const target = { databaseUrl: config.database.url, schema: config.database.schema };
  const applied = await startingAlone(target.databaseUrl, target.schema, async () => {
    const store = await createPostgresEventStore(target);
    await store.close();
    return migrateSchema(target, serviceSchemaMigrations(migrations));
  });
  if (config.messaging.mode !== 'embedded') return applied;
  const bus = await migrateSchema({ databaseUrl: config.database.url, schema: config.messaging.schema }, [messageLogMigrations]);
  return [...applied, ...bus];
}
