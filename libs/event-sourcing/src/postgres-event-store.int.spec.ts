import { randomUUID } from 'node:crypto';
import { freshSchema } from '@varde/testing';
import { describe, expect, inject, it } from 'vitest';
import { eventStoreContract } from './event-store.contract';
import { createPostgresEventStore } from './postgres-event-store';

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
