import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, freePort, platformPortOffset, spo2Observation, syntheticNationalId } from '@varde/testing';
import { createClient } from '@varde/database';
import { startEmbeddedPostgresProcess, type LocalPostgres } from '../../deploy/local/embedded-postgres';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { SERVICES, startPlatform, type RunningPlatform } from '../../deploy/local/platform';

const repoRoot = join(__dirname, '..', '..');

/**
 * PostgreSQL restarts under load (issue #14 item 11: a crash, or a fast switchover as CloudNativePG does): every service
 * stays up, reports not-ready while the database is away, reconnects by itself and is ready again within seconds of
 * its return, and nothing acknowledged is lost.
 */
// In both messaging modes: Kafka (production) and the embedded event log on PostgreSQL itself (`npm start`).
describe.each([
  { bus: 'Kafka', kafka: true },
  { bus: 'the embedded event log', kafka: false },
])('PostgreSQL restart under load, messaging on $bus', ({ kafka }) => {
  const dataDir = join(repoRoot, '.data', 'test', `fault-pg-${kafka ? 'kafka' : 'embedded'}-${process.pid}`);
  let port: number;
  let postgres: LocalPostgres;
  let platform: RunningPlatform;
  const token = (role: 'clinician' | 'patient', patientId?: string) =>
    mintDevToken({ role, ...(patientId ? { patientId } : {}), issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') });
  const startPostgres = () => startEmbeddedPostgresProcess({ dataDir: join(dataDir, 'pg'), port });

  beforeAll(async () => {
    port = await freePort();
    postgres = await startPostgres();
    platform = await startPlatform({
      kafka,
      ...(kafka ? { kafkaBrokers: inject('kafkaBrokers') } : {}),
      databaseUrl: postgres.databaseUrl,
      dataDir,
      portOffset: platformPortOffset(850),
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const alive = (): number[] => platform.pids().filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });

  /** Each service's answer to /health/ready (undefined: no answer). */
  const readiness = () => Promise.all(SERVICES.map(async (s) => (await fetch(`${platform.serviceUrl(s)}/health/ready`).catch(() => undefined))?.status));

  /**
   * Sends SpO2 readings as a device would while `disrupt` takes the database away and brings it back; returns how
   * long after its return every service was ready again, and checks that every service process is still running,
   * that none reported ready while the database was away, and that every acknowledged reading is stored.
   */
  const survives = async (disrupt: () => Promise<void>): Promise<number> => {
    const enrolment = await fetch(`${platform.baseUrl}/api/enrolments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('clinician')}` },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }),
    });
    expect(enrolment.status).toBe(201);
    const { patientId } = (await enrolment.json()) as { patientId: string };
    const patientToken = await token('patient', patientId);
    const accepted: string[] = [];
    let sent = 0;
    let loading = true;
    const send = async (): Promise<void> => {
      while (loading) {
        const id = `${patientId}-${sent++}`;
        const response = await fetch(`${platform.baseUrl}/fhir/Observation`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patientToken}` },
          body: JSON.stringify({ ...spo2Observation(patientId, 95), identifier: [{ system: 'urn:varde:fault', value: id }] }),
        }).catch(() => undefined);
        if (response?.status === 201) accepted.push(id);
        await response?.body?.cancel();
        // Not a timing assumption: only keeps the loop from spinning while the database is away.
        if (response?.status !== 201) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const load = send();
    await eventually(async () => accepted.length >= 5 || undefined, 'readings accepted before the database went away');

    await disrupt();
    const back = Date.now();
    await eventually(async () => (await readiness()).every((status) => status === 200) || undefined, 'every service ready again', 60_000);
    const readyAfterMs = Date.now() - back;
    const before = accepted.length;
    await eventually(async () => accepted.length > before + 5 || undefined, 'readings accepted after the database was back');
    loading = false;
    await load;

    // Events still flow after the restart: a low reading sent now is assessed and turns the patient red.
    const low = await fetch(`${platform.baseUrl}/fhir/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patientToken}` },
      body: JSON.stringify(spo2Observation(patientId, 84)),
    });
    expect(low.status).toBe(201);
    const clinician = await token('clinician');
    await eventually(async () => {
      const triage = await fetch(`${platform.baseUrl}/api/patients/${patientId}/triage`, { headers: { authorization: `Bearer ${clinician}` } });
      return triage.ok && ((await triage.json()) as { colour: string }).colour === 'red' ? true : undefined;
    }, 'the low reading sent after the restart to be assessed red', 60_000);

    expect(alive()).toHaveLength(SERVICES.length);
    // Every acknowledged reading is stored.
    const search = await fetch(`${platform.baseUrl}/fhir/Observation?patient=${patientId}&_count=1000`, { headers: { authorization: `Bearer ${patientToken}` } });
    expect(search.status).toBe(200);
    const stored = ((await search.json()) as { entry?: Array<{ resource: { identifier?: Array<{ value: string }> } }> }).entry ?? [];
    const ids = new Set(stored.flatMap((e) => e.resource.identifier?.map((i) => i.value) ?? []));
    expect(accepted.filter((id) => !ids.has(id))).toEqual([]);
    process.stdout.write(`every service ready ${readyAfterMs} ms after the database was back; ${accepted.length} of ${sent} readings accepted, all stored\n`);
    return readyAfterMs;
  };

  it('survives a fast restart (a switchover): not ready while the database is down, ready again once it is back', async () => {
    await survives(async () => {
      await postgres.stop();
      expect((await readiness()).filter((status) => status === 200)).toEqual([]);
      postgres = await startPostgres();
    });
  });

  it('survives a crash of a server process (every connection is cut and the server recovers)', async () => {
    await survives(async () => {
      const client = createClient(postgres.databaseUrl);
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // SIGKILL of one backend makes the postmaster end every session and run crash recovery, as after a crash.
      process.kill(rows[0]!.pid, 'SIGKILL');
      await client.end().catch(() => undefined);
    });
  });
});
