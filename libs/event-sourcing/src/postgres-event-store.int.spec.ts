import { randomUUID } from 'node:crypto';
import { freshSchema } from '@varde/testing';
import { describe, expect, inject, it } from 'vitest';
import { eventStoreContract } from './event-store.contract';
import pg from 'pg';
import { createPostgresEventStore } from './postgres-event-store';
import { ensureSchema, schemaConnectionString } from '@varde/database';

const openStore = () => createPostgresEventStore({ databaseUrl: inject('databaseUrl'), schema: freshSchema('contract') });

eventStoreContract('PostgreSQL', async () => {
  const store = await openStore();
  return { store, close: () => store.close() };
});

describe('PostgreSQL event store: one schema per service', () => {
  it('gives each service schema in one database a working store that sees only its own streams', async () => {
    const [pathways, triage] = await Promise.all([openStore(), openStore()]);
    try {
      const streamName = `same-name-${randomUUID()}`;
      await pathways.appendToStream(streamName, [{ type: 'Noted', data: { by: 'pathways' } }]);
      await triage.appendToStream(streamName, [{ type: 'Noted', data: { by: 'triage' } }]);

      const seenByPathways = await pathways.readStream(streamName);
      const seenByTriage = await triage.readStream(streamName);

      expect(seenByPathways.events.map((e) => e.data)).toEqual([{ by: 'pathways' }]);
      expect(seenByTriage.events.map((e) => e.data)).toEqual([{ by: 'triage' }]);
    } finally {
      await Promise.all([pathways.close(), triage.close()]);
    }
  });
});

describe('schemaConnectionString', () => {
  it('puts the service schema first and keeps the settings the operator\'s URL carries', async () => {
    const schema = freshSchema('settings');
    const url = new URL(inject('databaseUrl'));
    url.searchParams.set('options', '-c statement_timeout=4321');
    await ensureSchema(url.toString(), schema);
    const client = new pg.Client({ connectionString: schemaConnectionString(url.toString(), schema) });
    await client.connect();
    try {
      const { rows } = await client.query<{ search_path: string; statement_timeout: string }>(
        "SELECT current_setting('search_path') AS search_path, current_setting('statement_timeout') AS statement_timeout",
      );
      expect(rows[0]).toEqual({ search_path: schema, statement_timeout: '4321ms' });
    } finally {
      await client.end();
    }
  });
});
