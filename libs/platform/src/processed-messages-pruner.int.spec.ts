import { randomUUID } from 'node:crypto';
import { migrateSchema, schemaConnectionString } from '@varde/database';
import { createPostgresEventStore } from '@varde/event-sourcing';
import { messagingMigrations, PostgresMessageBus, startConsumer, type IntegrationMessage } from '@varde/messaging';
import { createLogger, MetricsRegistry } from '@varde/telemetry';
import { eventually, freshSchema } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Infrastructure } from './infrastructure';
import { loadPlatformConfig } from './platform-config';
import { ProcessedMessagesPruner } from './processed-messages-pruner';

const DAY_MS = 86_400_000;

describe('ProcessedMessagesPruner: consumer groups keep the ids of handled messages for the retention, then forget them (real PostgreSQL)', () => {
  const databaseUrl = inject('databaseUrl');
  const schema = freshSchema('pruned');
  let pool: pg.Pool;
  let bus: PostgresMessageBus;
  const metrics = new MetricsRegistry('test');

  beforeAll(async () => {
    // The consumer's tables, as a service's start-up creates them (after Emmett's).
    await (await createPostgresEventStore({ databaseUrl, schema })).close();
    await migrateSchema({ databaseUrl, schema }, [messagingMigrations]);
    pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 6 });
    await pool.query('CREATE TABLE effects (message_id text NOT NULL, seq bigserial)');
    bus = new PostgresMessageBus({ databaseUrl, schema: freshSchema('prunebus'), pollIntervalMs: 50 });
  });

  afterAll(async () => {
    await bus.close();
    await pool.end();
  });

  const pruner = (retentionDays: number): ProcessedMessagesPruner =>
    new ProcessedMessagesPruner({ config: { consumers: { processedRetentionMs: retentionDays * DAY_MS } }, pool, metrics, logger: createLogger({ service: 'test', level: 'silent' }) } as unknown as Infrastructure);
  const countOf = async (group: string): Promise<number> => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM processed_messages WHERE group_id = $1', [group])).rows[0]!.n);

  it('deletes, in batches, the records older than the retention, and keeps the younger ones', async () => {
    const now = new Date();
    const at = (daysAgo: number): Date => new Date(now.getTime() - daysAgo * DAY_MS);
    // More than one batch of old records.
    await pool.query("INSERT INTO processed_messages (group_id, message_id, processed_at) SELECT 'g.old', 'm-' || n, $1 FROM generate_series(1, 25000) AS n", [at(8)]);
    await pool.query("INSERT INTO processed_messages (group_id, message_id, processed_at) SELECT 'g.young', 'm-' || n, $1 FROM generate_series(1, 3) AS n", [at(6.9)]);
    await pool.query("INSERT INTO processed_messages (group_id, message_id, processed_at) VALUES ('g.now', 'm-1', $1)", [now]);

    expect(await pruner(7).runOnce(now)).toBe(25_000);

    expect(await countOf('g.old')).toBe(0);
    expect(await countOf('g.young')).toBe(3);
    expect(await countOf('g.now')).toBe(1);
    expect((await metrics.render()).body).toContain('varde_processed_messages_pruned_total{service="test"} 25000');
    // Nothing left to delete: a second run deletes nothing.
    expect(await pruner(7).runOnce(now)).toBe(0);
  });

  it('a message delivered again within the retention is still recognised and not handled twice; past it, its record is gone', async () => {
    const topic = `varde.prunetest${randomUUID().slice(0, 8)}.v1`;
    const groupId = `g.${randomUUID().slice(0, 8)}`;
    const message = (): IntegrationMessage => ({
      id: randomUUID(), type: 'varde.test.v1.Thing', source: 'varde/test', topic, key: 'p-1', time: new Date().toISOString(), recordedTime: new Date().toISOString(), correlationId: 'c', causationId: 'c', payload: new Uint8Array(),
    });
    const subscription = await startConsumer({
      bus,
      pool,
      groupId,
      topics: [topic],
      handlers: { 'varde.test.v1.Thing': async (m, { client }) => void (await client.query('INSERT INTO effects (message_id) VALUES ($1)', [m.id])) },
    });
    const handled = async (id: string): Promise<number> => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM effects WHERE message_id = $1', [id])).rows[0]!.n);
    try {
      const [aged, young, marker] = [message(), message(), message()];
      await bus.publish([aged, young]);
      await eventually(async () => ((await handled(young.id)) === 1 ? true : undefined), 'both messages handled');
      // The first message's record is 8 days old: a 7-day retention prunes it, and only it.
      await pool.query("UPDATE processed_messages SET processed_at = now() - interval '8 days' WHERE group_id = $1 AND message_id = $2", [groupId, aged.id]);
      expect(await pruner(7).runOnce(new Date())).toBe(1);

      // Both delivered again (one key, so in order), then a marker: once the marker is handled, so are the two before it.
      await bus.publish([aged, young, marker]);
      await eventually(async () => ((await handled(marker.id)) === 1 ? true : undefined), 'the marker handled');
      expect(await handled(young.id)).toBe(1);
      expect(await handled(aged.id)).toBe(2);
    } finally {
      await subscription.stop();
    }
  });

  it('takes no retention under a day: the service refuses to start and names the variable', () => {
    expect(() => loadPlatformConfig('triage', { PROCESSED_MESSAGES_RETENTION_DAYS: '0' })).toThrow(/PROCESSED_MESSAGES_RETENTION_DAYS: expected at least 1 day/);
    expect(loadPlatformConfig('triage', {}).consumers.processedRetentionMs).toBe(7 * DAY_MS);
  });
});
