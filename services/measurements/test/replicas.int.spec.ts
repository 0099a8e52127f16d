import { freshSchema, startServiceProcess, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const databaseUrl = inject('databaseUrl');

describe('replicas of a service starting together on a fresh schema (as a Kubernetes Deployment of 2 does on install)', () => {
  let issuer: TestIssuer;
  const started: ServiceProcess[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer();
  });

  afterAll(async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
    await issuer?.close();
  });

  // Before startingAlone (libs/platform), a round had one chance in two to five of a replica exiting on
  // "duplicate key value violates unique constraint pg_type_typname_nsp_index" (two sessions creating one table);
  // eight rounds: the old code failed in the fifth.
  it('both become ready (database and bus reachable, tables created), round after round', async () => {
    for (let round = 0; round < 8; round++) {
      const env = { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: freshSchema('replicas'), BUS_SCHEMA: freshSchema('replicas_bus') };
      // The second replica waits for the first one's schema set-up (startingAlone): on a loaded machine the pair can
      // take well over the usual minute, which is slowness, not the failure this test is about.
      const start = () => startServiceProcess('measurements', env, { readyWithinMs: 240_000 });
      const replicas = await Promise.allSettled([start(), start()]);
      started.push(...replicas.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
      // A failed start is shown by its reason: the line naming the failure, else the first line.
      const outcome = (r: PromiseSettledResult<unknown>) => {
        if (r.status === 'fulfilled') return 'ready';
        const lines = String(r.reason).split('\n');
        return lines.find((line) => line.includes('failed to start')) ?? lines[0];
      };
      expect(replicas.map(outcome), `round ${round}`).toEqual(['ready', 'ready']);
      await Promise.all(started.splice(-2).map((s) => s.stop()));
    }
  }, 900_000); // sixteen service starts: ~40 s on a quiet machine, several minutes on a busy one
});
