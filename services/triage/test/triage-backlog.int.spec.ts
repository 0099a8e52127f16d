import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { schemaConnectionString } from '@varde/database';
import { PostgresMessageBus } from '@varde/messaging';
import { enrolPatient, eventually, type ServiceProcess, startServiceStack, startTestIssuer, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { spo2Recorded } from './triage-messages';

const databaseUrl = inject('databaseUrl');

/** What an auditor reads of a patient's decisions: each PatientTriaged in order, without ids and times of recording. */
type Decision = { colour: string; previousColour: string; current: boolean; effectiveAt: string; reasons: string[] };

describe("a patient's backlog is assessed together, with the same decisions as one message at a time", () => {
  let issuer: TestIssuer;
  let services: ServiceProcess[];
  let pathways: ServiceProcess;
  let bus: PostgresMessageBus;
  let triageDb: pg.Pool;
  let clinician: string;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const stack = await startServiceStack(['pathways', 'sharing', 'triage'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url });
    services = Object.values(stack.services) as ServiceProcess[];
    pathways = stack.services['pathways'] as ServiceProcess;
    bus = new PostgresMessageBus({ databaseUrl, schema: stack.busSchema });
    triageDb = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, stack.schemas.triage!), max: 2 });
    clinician = await issuer.token('clinician');
  });

  afterAll(async () => {
    await Promise.allSettled(services.reverse().map((s) => s.stop()));
    await Promise.allSettled([bus?.close(), triageDb?.end(), issuer?.close()]);
  });

  const enrol = async (): Promise<string> => {
    const patientId = await enrolPatient(pathways.url, clinician);
    await eventually(async () => ((await eventsOf(patientId, 'PatientRegisteredForTriage')).length > 0 ? true : undefined), 'the patient registered for triage');
    return patientId;
  };

  const eventsOf = async (patientId: string, type: string) =>
    (await triageDb.query<{ data: Record<string, unknown>; tx: string }>(
      `SELECT message_data AS data, transaction_id::text AS tx FROM emt_messages WHERE stream_id = $1 AND message_type = $2 ORDER BY stream_position`,
      [`triage-${patientId}`, type],
    )).rows;
  const decisionsOf = async (patientId: string): Promise<Decision[]> =>
    (await eventsOf(patientId, 'PatientTriaged')).map(({ data }) => ({
      colour: data['colour'] as string,
      previousColour: data['previousColour'] as string,
      current: data['current'] !== false,
      effectiveAt: data['effectiveAt'] as string,
      reasons: (data['reasons'] as { text?: string; rule?: string }[]).map((r) => r.text ?? r.rule ?? ''),
    }));
  const alertsOf = async (patientId: string): Promise<number> => Number((await triageDb.query(`SELECT count(*) AS n FROM alerts WHERE patient_id = $1`, [patientId])).rows[0].n);
  // The what-if's input history and the missing-report check, without what differs by patient (ids).
  const historyOf = async (patientId: string) => (await triageDb.query(`SELECT value, effective_time FROM triage_inputs WHERE patient_id = $1 ORDER BY effective_time`, [patientId])).rows;
  const nextCheckOf = async (patientId: string) => (await triageDb.query(`SELECT due_at FROM triage_next_checks WHERE patient_id = $1`, [patientId])).rows[0]?.due_at as Date | undefined;
  const worklistColour = async (patientId: string): Promise<string | undefined> => (await triageDb.query(`SELECT colour FROM worklist WHERE patient_id = $1`, [patientId])).rows[0]?.colour;

  it('gives a backlog of 40 readings the decisions, alerts and worklist row that one reading at a time gives', async () => {
    const [together, oneByOne] = [await enrol(), await enrol()];
    const start = Date.now() - 3 * 3600_000;
    // Normal, a dip below 90 % (red), recovery, another dip, recovery: a morning of an oximeter's readings.
    const values = Array.from({ length: 40 }, (_, i) => ([7, 8, 25].includes(i) ? 87 + (i % 2) : 94 + (i % 4)));
    const at = (i: number) => new Date(start + i * 4 * 60_000);

    await bus.publish(values.map((v, i) => spo2Recorded(together, v, at(i))));
    for (const [i, v] of values.entries()) {
      await bus.publish([spo2Recorded(oneByOne, v, at(i))]);
      await eventually(async () => ((await eventsOf(oneByOne, 'TriageInputRecorded')).length > i ? true : undefined), `reading ${i} assessed alone`);
    }
    await eventually(async () => ((await eventsOf(together, 'TriageInputRecorded')).length >= values.length ? true : undefined), 'the backlog assessed');
    await new Promise((resolve) => setTimeout(resolve, 500));

    const [inputsTogether, inputsAlone] = [await eventsOf(together, 'TriageInputRecorded'), await eventsOf(oneByOne, 'TriageInputRecorded')];
    expect(inputsTogether).toHaveLength(values.length);
    expect(inputsAlone).toHaveLength(values.length);
    // The backlog was handled in runs: far fewer transactions than readings.
    expect(new Set(inputsTogether.map((e) => e.tx)).size).toBeLessThan(values.length / 4);
    const decisions = await decisionsOf(together);
    expect(decisions).toEqual(await decisionsOf(oneByOne));
    expect(decisions.filter((d) => d.colour === 'red').length).toBeGreaterThanOrEqual(2);
    expect(await alertsOf(together)).toBe(await alertsOf(oneByOne));
    expect(await historyOf(together)).toHaveLength(values.length);
    expect(await historyOf(together)).toEqual(await historyOf(oneByOne));
    // The missing-report check falls due after the last reading, for both alike.
    expect((await nextCheckOf(together))?.getTime()).toBeGreaterThan(at(values.length - 1).getTime());
    expect(await nextCheckOf(together)).toEqual(await nextCheckOf(oneByOne));
    expect(await worklistColour(together)).toMatch(/^(green|yellow|red)$/);
    expect(await worklistColour(together)).toBe(await worklistColour(oneByOne));
  });
});
