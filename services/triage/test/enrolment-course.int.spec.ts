import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { schemaConnectionString } from '@varde/database';
import { rebuildProjection } from '@varde/event-sourcing';
import { PostgresMessageBus } from '@varde/messaging';
import { eventually, startServiceStack, startTestIssuer, syntheticNationalId, type ServiceProcess, type ServiceStack, type TestIssuer } from '@varde/testing';
import { triageProjections } from '../src/infrastructure/triage.projections';
import { measurementRecorded, spo2Recorded, taskMissed } from './triage-messages';

const databaseUrl = inject('databaseUrl');
const HOUR = 3_600_000;

type WorklistEntry = { patientId: string; colour: string; reasons: string[]; enrolment: string; pathwayId: string | null };

describe('triage follows the enrolment: pauses, resumes, discharges, pathway changes and missed tasks (real pathways and triage on the embedded bus)', () => {
  let issuer: TestIssuer;
  let stack: ServiceStack;
  let pathways: ServiceProcess;
  let triage: ServiceProcess;
  let bus: PostgresMessageBus;
  let clinician: string;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    // Missing-report checks every 200 ms, so one that falls due is seen within the test.
    stack = await startServiceStack(['pathways', 'sharing', 'triage'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url }, { triage: { TRIAGE_MISSING_REPORT_INTERVAL_MS: '200' } });
    ({ pathways, triage } = stack.services as Record<'pathways' | 'triage', ServiceProcess>);
    bus = new PostgresMessageBus({ databaseUrl, schema: stack.busSchema });
    clinician = await issuer.token('clinician', { careTeams: ['copd-care-team'] });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.allSettled([bus?.close(), issuer?.close()]);
  });

  const enrol = async (): Promise<string> => {
    const response = await post('/api/enrolments', { patient: { nationalId: syntheticNationalId() }, pathway: 'copd' });
    expect(response.status).toBe(201);
    return ((await response.json()) as { patientId: string }).patientId;
  };
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${pathways.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const change = async (patientId: string, command: string, body: unknown): Promise<void> => expect((await post(`/api/enrolments/${patientId}/${command}`, body)).status).toBe(200);
  const entryOf = async (patientId: string): Promise<WorklistEntry | undefined> => {
    const response = await fetch(`${triage.url}/api/worklist?limit=1000`, { headers: { authorization: `Bearer ${clinician}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { entries: WorklistEntry[] }).entries.find((e) => e.patientId === patientId);
  };
  const until = (patientId: string, what: string, holds: (entry: WorklistEntry | undefined) => boolean): Promise<WorklistEntry | undefined> =>
    eventually(async () => {
      const entry = await entryOf(patientId);
      return holds(entry) ? (entry ?? null) : undefined;
    }, what).then((e) => e ?? undefined);

  it('shows a paused patient as paused, not yellow for reports missing while paused; resumed, counts from the resume; discharged, leaves the worklist', async () => {
    const patientId = await enrol();
    await until(patientId, 'the enrolled patient on the worklist', (e) => e?.colour === 'green');
    // The last SpO2 three days ago: 48 h without one is yellow.
    await bus.publish([spo2Recorded(patientId, 96, new Date(Date.now() - 72 * HOUR))]);
    const missing = await until(patientId, 'yellow for the missing SpO2', (e) => e?.colour === 'yellow');
    expect(missing!.reasons).toEqual(['No SpO2 reported for 48 h (expected daily)']);

    await change(patientId, 'pause', { reason: 'admitted to hospital' });
    const paused = await until(patientId, 'paused, without the missing report', (e) => e?.enrolment === 'paused' && e.colour === 'green');
    expect(paused!.reasons).toEqual(['All reported values within thresholds']);

    // Resumed: the 48 h count from the resume, so nothing is missing yet (the scheduled checks keep running).
    await change(patientId, 'resume', {});
    await until(patientId, 'active again', (e) => e?.enrolment === 'active');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await entryOf(patientId)).toMatchObject({ colour: 'green', enrolment: 'active' });

    await change(patientId, 'discharge', { reason: 'completed' });
    await until(patientId, 'off the worklist', (e) => e === undefined);
  });

  it('assesses readings after a change of pathway with the new pathway\'s rule set', async () => {
    const patientId = await enrol();
    await until(patientId, 'the enrolled patient on the worklist', (e) => e?.colour === 'green');
    // COPD has no blood-pressure rule: a systolic of 85 changes nothing.
    await bus.publish([measurementRecorded(patientId, 85, new Date(Date.now() - 60_000), { code: '8480-6', unit: 'mm[Hg]' })]);
    await until(patientId, 'assessed with the COPD rules', (e) => e?.reasons[0] === 'All reported values within thresholds');

    // From the change on, the heart-failure rules: the patient is re-assessed at once, and so is the next reading.
    await change(patientId, 'change-pathway', { pathway: 'heart-failure', reason: 'diagnosis revised' });
    const changed = await until(patientId, 'red by the heart-failure rules from the change', (e) => e?.pathwayId === 'heart-failure' && e.colour === 'red');
    expect(changed!.reasons).toContain('Systolic blood pressure 85 mm[Hg] is below 90 mm[Hg]');
    await bus.publish([measurementRecorded(patientId, 84, new Date(), { code: '8480-6', unit: 'mm[Hg]' })]);
    await until(patientId, 'the next reading assessed with the heart-failure rules', (e) => e?.reasons.includes('Systolic blood pressure 84 mm[Hg] is below 90 mm[Hg]') === true);
  });

  it('keeps what the enrolment events wrote on the worklist when the worklist is rebuilt from the log', async () => {
    const patientId = await enrol();
    await until(patientId, 'the enrolled patient on the worklist', (e) => e?.colour === 'green');
    await change(patientId, 'pause', { reason: 'admitted to hospital' });
    await until(patientId, 'paused', (e) => e?.enrolment === 'paused');
    const triageDb = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, stack.schemas.triage!), max: 1 });
    try {
      await rebuildProjection(triageDb, triageProjections(triageDb).worklist!);
    } finally {
      await triageDb.end();
    }
    expect(await entryOf(patientId)).toMatchObject({ enrolment: 'paused', colour: 'green' });
  });

  it('shows a missed SpO2 task on the worklist through the missing-report rule, until an SpO2 comes', async () => {
    const patientId = await enrol();
    await until(patientId, 'the enrolled patient on the worklist', (e) => e?.colour === 'green');
    await bus.publish([spo2Recorded(patientId, 95, new Date(Date.now() - 10 * HOUR))]);
    await until(patientId, 'assessed', (e) => e?.reasons[0] === 'All reported values within thresholds');

    const dueAt = new Date(Date.now() - 5 * HOUR);
    await bus.publish([taskMissed(patientId, dueAt, new Date(Date.now() - HOUR))]);
    const yellow = await until(patientId, 'yellow for the missed task', (e) => e?.colour === 'yellow');
    expect(yellow!.reasons).toEqual([`No SpO2 reported for 9 h (expected daily) (the task due ${dueAt.toISOString()} was missed)`]);

    await bus.publish([spo2Recorded(patientId, 95, new Date())]);
    await until(patientId, 'green once an SpO2 came', (e) => e?.colour === 'green');
  });
});
