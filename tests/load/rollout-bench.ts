/**
 * `npm run bench:rollout`: the longest gap in triage's assessments while triage is restarted (issue #17 item 5).
 * Starts the platform in Kafka mode on its own data folder and ports, enrols patients, and sends SpO2 readings at a
 * steady rate through the router (ROLLOUT_RATE per second, default 20) while triage goes through, in turn:
 * - **rolling update**: a second replica starts (the surge pod), becomes ready, then the first gets SIGTERM — as a
 *   Deployment with maxSurge 1, maxUnavailable 0 does; then the same back (the original restarted, the replica ended);
 * - **SIGKILL of one of two replicas**: the survivor must take over the dead replica's partitions;
 * - **SIGKILL and restart of the only replica**: as a node failure with one pod, Kubernetes starting it again.
 * Each reading triage handles appends a `TriageInputRecorded` to the patient's stream; the figure is the longest time
 * any patient went without one (by `created`, the commit's clock) from the start of the disruption until
 * ROLLOUT_SETTLE_S (default 40, longer than the session timeout compared) after it, beside the same figure for a calm period (its floor: each patient sends a
 * reading every ROLLOUT_PATIENTS / ROLLOUT_RATE s, default 1 s). Prints `ROLLOUT_RESULT {json}`.
 */
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import type { RunningPlatform } from '../../deploy/local/platform';
import { enrolPatients, labelledRows, log, machineInfo, positiveEnv, runBenchmark, startBenchPlatform } from './bench-harness';
import { TRIAGE_SCHEMA } from './triage-bench-seeder';
import type { BenchPatient } from './worklist-probe';

const repoRoot = resolve(__dirname, '..', '..');
const dataDir = join(repoRoot, '.data', 'bench-rollout');
// Beside a developer's platform (0), `npm run bench` (300), bench:store-size (400), bench:triage (500),
// bench:triage-catchup (600) and the e2e tests (700, 750, 850).
const PORT_OFFSET = 900;

type Phase = Readonly<{ name: string; longestGapMs: number; handled: number; disruptionMs: number }>;

runBenchmark(async () => {
  const rate = positiveEnv('ROLLOUT_RATE', 20);
  const settleMs = positiveEnv('ROLLOUT_SETTLE_S', 40) * 1000;
  const machine = machineInfo();
  const platform = await startBenchPlatform(dataDir, { kafka: true, portOffset: PORT_OFFSET });
  const keysDir = join(dataDir, 'dev-issuer');
  const clinician = await mintDevToken({ role: 'clinician', issuer: platform.issuer, keysDir, ttlSeconds: 4 * 3600 });
  const patients = await enrolPatients(platform, clinician, positiveEnv('ROLLOUT_PATIENTS', 20), keysDir);
  const db = new pg.Pool({ connectionString: platform.databaseUrl, max: 2 });
  const load = steadyReadings(platform, patients, rate);
  try {
    await sleep(10_000); // let every consumer group settle before the first figure
    const phases: Phase[] = [];
    const measure = async (name: string, disrupt: () => Promise<void>): Promise<void> => {
      const from = new Date();
      const started = Date.now();
      await disrupt();
      const disruptionMs = Date.now() - started;
      await sleep(settleMs);
      const phase = { name, disruptionMs, ...(await longestGap(db, from, new Date())) };
      log(`${name}: longest gap ${phase.longestGapMs} ms over ${phase.handled} readings (disruption took ${disruptionMs} ms)`);
      phases.push(phase);
    };
    await measure('calm (no restart)', async () => undefined);
    let replica = await (async () => {
      let started: Awaited<ReturnType<RunningPlatform['startReplica']>> | undefined;
      await measure('rolling update: surge replica ready, then SIGTERM to the old one', async () => {
        started = await platform.startReplica('triage');
        await platform.stopService('triage');
      });
      return started!;
    })();
    await measure('rolling update back: original restarted, then SIGTERM to the replica', async () => {
      await platform.startService('triage');
      await replica.stop();
    });
    replica = await platform.startReplica('triage');
    await sleep(10_000);
    await measure('SIGKILL of one of two replicas', () => replica.kill());
    await measure('SIGKILL of the only replica, restarted at once', async () => {
      await platform.killService('triage');
      await platform.startService('triage');
    });
    const result = { startedAt: new Date().toISOString(), rate, settleMs, machine, sent: load.sent(), failed: load.failed(), phases };
    process.stdout.write(`ROLLOUT_RESULT ${JSON.stringify(result)}\n`);
    process.stdout.write(`${labelledRows(phases.map((p) => [p.name, `${p.longestGapMs} ms longest gap (${p.handled} readings handled; disruption ${p.disruptionMs} ms)`] as const))}\n`);
  } finally {
    await load.stop();
    await db.end();
  }
});

/** Sends one SpO2 reading every 1/rate s through the router, round-robin over the patients, until stopped. */
function steadyReadings(platform: RunningPlatform, patients: readonly BenchPatient[], rate: number) {
  let sent = 0;
  let failed = 0;
  let running = true;
  const loop = (async () => {
    const interval = 1000 / rate;
    let next = Date.now();
    while (running) {
      const patient = patients[sent % patients.length]!;
      const id = `rollout-${sent++}`;
      void fetch(`${platform.baseUrl}/fhir/Observation`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patient.token}` },
        body: JSON.stringify({
          resourceType: 'Observation',
          status: 'final',
          identifier: [{ system: 'urn:varde:bench-rollout', value: id }],
          code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
          subject: { reference: `Patient/${patient.patientId}` },
          effectiveDateTime: new Date().toISOString(),
          valueQuantity: { value: 96, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
        }),
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (response) => {
          if (response.status !== 201) failed++;
          await response.body?.cancel();
        },
        () => failed++,
      );
      next += interval;
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  return {
    sent: () => sent,
    failed: () => failed,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/**
 * The longest time a patient went without triage handling their readings within [from, to]: per patient (triage's
 * stream), the longest time between two TriageInputRecorded (by commit time), counting the stretch from `from` to the
 * first and from the last to `to`, so partitions left with a dead consumer show although the others move on.
 * Readings arrive for each patient every patients/rate seconds, which is the floor of the figure.
 */
async function longestGap(db: pg.Pool, from: Date, to: Date): Promise<{ longestGapMs: number; handled: number }> {
  const { rows } = await db.query<{ longest_ms: number | null; handled: string }>(
    `WITH patients AS (
       SELECT DISTINCT stream_id FROM "${TRIAGE_SCHEMA}".emt_messages WHERE message_type = 'TriageInputRecorded' AND created < $1),
     handled AS (
       SELECT stream_id, created, created - lag(created, 1, $1::timestamptz) OVER (PARTITION BY stream_id ORDER BY created) AS gap
         FROM "${TRIAGE_SCHEMA}".emt_messages
        WHERE message_type = 'TriageInputRecorded' AND created BETWEEN $1 AND $2),
     -- From each patient's last handled reading (or the start, for one with none at all) to the end.
     tails AS (
       SELECT $2::timestamptz - coalesce(max(h.created), $1::timestamptz) AS gap
         FROM patients p LEFT JOIN handled h USING (stream_id) GROUP BY p.stream_id)
     SELECT round(extract(epoch FROM greatest((SELECT max(gap) FROM handled), (SELECT max(gap) FROM tails))) * 1000)::int AS longest_ms,
            (SELECT count(*) FROM handled) AS handled`,
    [from, to],
  );
  return { longestGapMs: rows[0]?.longest_ms ?? 0, handled: Number(rows[0]?.handled ?? 0) };
}
