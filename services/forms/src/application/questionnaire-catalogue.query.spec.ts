import type { EventStore } from '@varde/event-sourcing';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_STREAM } from '../domain/questionnaire-catalogue.events';
import { QuestionnaireCatalogueQuery } from './questionnaire-catalogue.query';

/** A draft of questionnaire `q-1` saved, as the n-th event of the catalogue stream. */
const draftSaved = (n: number) => ({
  type: 'QuestionnaireDraftSaved',
  data: { questionnaireId: 'q-1', resource: { url: 'https://example.org/q', version: '1', title: `edit ${n}` }, savedAt: `2026-12-06T10:00:0${n}.000Z` },
  metadata: { streamPosition: BigInt(n) },
});

describe('the folded questionnaire catalogue', () => {
  it('applies each event once when calls overlap: a read that started earlier folds onto the state it started from', async () => {
    const stream = [draftSaved(1)];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holdNext = true;
    // The catalogue stream, whose first read answers only when released (as a slow query would).
    const store = {
      readStream: async (name: string, options?: { from?: bigint }) => {
        expect(name).toBe(CATALOGUE_STREAM);
        const events = stream.filter((e) => e.metadata.streamPosition >= (options?.from ?? 0n));
        if (holdNext) {
          holdNext = false;
          await held;
        }
        return { events, currentStreamVersion: BigInt(stream.length), streamExists: true };
      },
    } as unknown as EventStore;
    const catalogue = new QuestionnaireCatalogueQuery(store);

    const slow = catalogue.state();
    stream.push(draftSaved(2));
    // Another call reads both events and folds them while the first still waits for its answer.
    expect((await catalogue.state()).entries['q-1']?.versionId).toBe(2);
    release();
    // The first call folds the one event it read onto the empty catalogue it started from, not onto the newer state.
    expect((await slow).entries['q-1']?.versionId).toBe(1);
    expect((await catalogue.state()).entries['q-1']).toMatchObject({ versionId: 2, resource: { title: 'edit 2' } });
  });
});
