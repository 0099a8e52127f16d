import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { integrationEventTypes } from '@varde/contracts';
import { schemaConnectionString } from '@varde/database';
import { deadLetterTopic, PostgresMessageBus } from '@varde/messaging';
import { accessLogOf, eventually, outboxEntriesOf, whileOutboxUnwritable, type ServiceProcess, startServiceStack, startTestIssuer, syntheticNationalId, type TestIssuer, auditReasonFor } from '@varde/testing';
import pg from 'pg';
import { catSubmitted, spo2Recorded } from './triage-messages';

const databaseUrl = inject('databaseUrl');
const MEASUREMENTS = 'varde.measurements.v1';
const DEAD_LETTERS = deadLetterTopic(MEASUREMENTS, 'triage.assessment');

type WorklistEntry = { patientId: string; colour: string; reasons: string[]; since: string };

describe('triage service (real pathways, sharing and triage processes on the embedded bus)', () => {
  let issuer: TestIssuer;
  let pathways: ServiceProcess;
  let sharing: ServiceProcess;
  let triage: ServiceProcess;
  let bus: PostgresMessageBus;
  let triageDb: pg.Pool;
  let clinician: string;
  let patientId: string;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const stack = await startServiceStack(['pathways', 'sharing', 'triage'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url });
    ({ pathways, sharing, triage } = stack.services as Record<'pathways' | 'sharing' | 'triage', ServiceProcess>);
    const triageSchema = stack.schemas.triage!;
    bus = new PostgresMessageBus({ databaseUrl, schema: stack.busSchema });
    triageDb = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, triageSchema), max: 2 });
    clinician = await issuer.token('clinician');
    const enrolled = await fetch(`${pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }),
    });
    expect(enrolled.status).toBe(201);
    patientId = ((await enrolled.json()) as { patientId: string }).patientId;
  });

  afterAll(async () => {
    await Promise.allSettled([triage?.stop(), sharing?.stop(), pathways?.stop()]);
    await Promise.allSettled([bus?.close(), triageDb?.end(), issuer?.close()]);
  });

  const worklist = async (query = '', token = clinician): Promise<Response> => fetch(`${triage.url}/api/worklist${query}`, { headers: { authorization: `Bearer ${token}`, ...auditReasonFor(token) } });
  const entryOf = async (query: string): Promise<WorklistEntry | undefined> => {
    const response = await worklist(query);
    expect(response.status).toBe(200);
    return ((await response.json()) as { entries: WorklistEntry[] }).entries.find((e) => e.patientId === patientId);
  };
  const measurement = spo2Recorded;
  const triagedCount = async (): Promise<number> => {
    const { rows } = await triageDb.query<{ n: string }>(`SELECT count(*) AS n FROM emt_messages WHERE stream_id = $1 AND message_type = 'PatientTriaged'`, [`triage-${patientId}`]);
    return Number(rows[0]!.n);
  };

  it('refuses the worklist without a token (401) and to a patient (403)', async () => {
    expect((await fetch(`${triage.url}/api/worklist`)).status).toBe(401);
    expect((await worklist('', await issuer.token('patient', { patientId }))).status).toBe(403);
  });

  it('answers 400 naming the parameter for a bad colour or limit', async () => {
    for (const [query, field] of [['?colour=blue', 'colour'], ['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=ten', 'limit']] as const) {
      const response = await worklist(query);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(await response.json())).toContain(field);
    }
  });

  it('shows an enrolled patient green with "No reports yet", and logs the read with sharing', async () => {
    const entry = await eventually(() => entryOf('?colour=green&limit=1000'), 'the enrolled patient on the worklist');
    expect(entry).toMatchObject({ colour: 'green', reasons: ['No reports yet'] });
    expect(new Date(entry.since).toString()).not.toBe('Invalid Date');
    // The patient reads their own access log: the clinician's worklist read of them is in it (forwarded by
    // triage's outbox right after the read).
    const patient = await issuer.token('patient', { patientId });
    await accessLogOf(sharing.url, patientId, patient, (entries) => entries.some((e) => e.purpose === 'worklist' && e.resource === 'worklist' && e.actor.role === 'clinician'), 'the worklist read in the access log');
  });

  it('turns the patient red on SpO2 88 and lists them first; a redelivered message writes nothing twice', async () => {
    const low = measurement(patientId, 88, new Date(Date.now() - 60_000));
    await bus.publish([low]);
    const entry = await eventually(async () => {
      const e = await entryOf('');
      return e?.colour === 'red' ? e : undefined;
    }, 'the patient to turn red');
    expect(entry.reasons).toEqual(['SpO2 88 % is below 90 %']);
    // Only this file's pathways can make a patient red, so the patient must head the list.
    const all = ((await (await worklist()).json()) as { entries: WorklistEntry[] }).entries;
    expect(all[0]?.patientId).toBe(patientId);
    const reds = await (await worklist('?colour=red&limit=1000')).json() as { entries: WorklistEntry[] };
    expect(reds.entries.every((e) => e.colour === 'red')).toBe(true);
    expect(await triagedCount()).toBe(1);

    // The same message again (at-least-once delivery), then an unknown patient, then a newer value: the
    // duplicate changes nothing, the unknown patient is dead-lettered with the reason, and the consumer goes on.
    const unknown = measurement(randomUUID(), 80, new Date());
    const newer = measurement(patientId, 85, new Date());
    await bus.publish([{ ...low, recordedTime: new Date().toISOString() }]);
    await bus.publish([unknown]);
    await bus.publish([newer]);
    const after = await eventually(async () => {
      const e = await entryOf('');
      return e?.reasons[0]?.includes('85') ? e : undefined;
    }, 'the newer value to be assessed');
    // Two readings below 92 % within 24 h: the COPD rule set's count rule holds too.
    expect(after).toMatchObject({ colour: 'red', reasons: ['SpO2 85 % is below 90 %', '2 SpO2 readings below 92 % within 24 h'], since: entry.since });
    expect(await triagedCount()).toBe(2);
    const { rows } = await triageDb.query<{ n: string }>(
      `SELECT count(*) AS n FROM emt_messages WHERE message_type = 'PatientTriaged' AND message_metadata->>'causationId' = $1`,
      [low.id],
    );
    expect(Number(rows[0]!.n)).toBe(1);
    // The unknown patient's message has another key than the newer reading: its dead letter is not ordered before it.
    const letter = await eventually(async () => (await bus.readAll(DEAD_LETTERS)).find((m) => m.id === unknown.id), 'the unknown patient\'s dead letter');
    expect(letter.headers?.['dlt_error']).toMatch(/NotFoundError: .*no active enrolment/);

    // A crash after the append but before the consumer committed: the message comes again as new. The
    // command id derived from the message finds the events already written, and the stale worklist update
    // they imply does not overwrite the newer row.
    await triageDb.query('DELETE FROM processed_messages WHERE message_id = $1', [low.id]);
    await bus.publish([{ ...low, recordedTime: new Date().toISOString() }]);
    await eventually(async () => ((await triageDb.query('SELECT 1 FROM processed_messages WHERE message_id = $1', [low.id])).rowCount ? true : undefined), 'the message to be processed again');
    expect(await triagedCount()).toBe(2);
    expect(await entryOf('')).toMatchObject({ colour: 'red', reasons: ['SpO2 85 % is below 90 %', '2 SpO2 readings below 92 % within 24 h'] });
  });

  it('publishes PatientTriaged with reasons and provenance on varde.triage.v1', async () => {
    const published = await eventually(async () => {
      const messages = (await bus.readAll('varde.triage.v1')).filter((m) => m.key === patientId);
      return messages.length >= 2 ? messages : undefined;
    }, 'the relay to publish the assessments');
    const first = integrationEventTypes['varde.triage.v1.PatientTriaged'].decode(published[0]!.payload);
    expect(first).toMatchObject({ patientId, colour: 3, previousColour: 0, reasons: [expect.objectContaining({ ruleId: 'spo2-low', text: 'SpO2 88 % is below 90 %', value: 88, threshold: 90 })] });
    expect(first.provenance).toMatchObject({ ruleSetId: 'copd-default', ruleSetVersion: 1, engineVersion: 'varde-triage/0.2.0', inputs: [expect.objectContaining({ source: MEASUREMENTS })] });
  });

  it('turns a patient yellow on a CAT score of 21 or more from a questionnaire response', async () => {
    const enrolled = await fetch(`${pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }),
    });
    const other = ((await enrolled.json()) as { patientId: string }).patientId;
    await bus.publish([catSubmitted(other, 25)]);
    const entry = await eventually(async () => {
      const response = await worklist('?colour=yellow&limit=1000');
      return ((await response.json()) as { entries: WorklistEntry[] }).entries.find((e) => e.patientId === other);
    }, 'the questionnaire score to be assessed');
    expect(entry.reasons).toEqual(['CAT score 25 is 21 or more (high impact)']);
    // Each item's answer is an input too (rules may act on a single answer).
    const { rows } = await triageDb.query<{ code: string }>('SELECT code FROM triage_inputs WHERE patient_id = $1 AND code_system = $2 ORDER BY code', [other, 'https://varde.no/fhir/CodeSystem/answer']);
    expect(rows.map((r) => r.code)).toContain('cat/breathlessness');
    expect(rows).toHaveLength(8);
  });

  it('gives the patient their own triage with provenance, and no one else', async () => {
    const response = await fetch(`${triage.url}/api/patients/${patientId}/triage`, { headers: { authorization: `Bearer ${await issuer.token('patient', { patientId })}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { colour: string; assessment: { provenance: { ruleSetId: string; ruleSetHash: string; engineVersion: string; inputs: { source: string }[] } } };
    expect(body.colour).toBe('red');
    expect(body.assessment.provenance).toMatchObject({ ruleSetId: 'copd-default', engineVersion: 'varde-triage/0.2.0' });
    // The inputs the reasons used (both low readings of the count rule) and the newest of each code.
    expect(body.assessment.provenance.inputs.map((i) => i.source)).toEqual([MEASUREMENTS, MEASUREMENTS]);
    expect(body.assessment.provenance.ruleSetHash).toMatch(/^sha256:/);
    const other = await fetch(`${triage.url}/api/patients/${patientId}/triage`, { headers: { authorization: `Bearer ${await issuer.token('patient', { patientId: randomUUID() })}` } });
    expect(other.status).toBe(403);
  });

  it("shows a clinician only their care teams' patients, an auditor all, and refuses a patient's triage to other teams", async () => {
    const team = 'lungepoliklinikken-ahus';
    const ahus = await issuer.token('clinician', { careTeams: [team] });
    const auditor = await issuer.token('auditor');
    const enrolled = await fetch(`${pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ahus}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd', careTeam: team }),
    });
    expect(enrolled.status).toBe(201);
    const theirs = ((await enrolled.json()) as { patientId: string }).patientId;
    const shown = async (token: string, query = ''): Promise<Array<WorklistEntry & { careTeam: string }>> => {
      const response = await worklist(`?limit=1000${query}`, token);
      expect(response.status).toBe(200);
      return ((await response.json()) as { entries: Array<WorklistEntry & { careTeam: string }> }).entries;
    };
    const ids = (entries: readonly WorklistEntry[]): string[] => entries.map((e) => e.patientId);
    const entry = await eventually(async () => (await shown(ahus)).find((e) => e.patientId === theirs), "the patient on their team's worklist");
    expect(entry.careTeam).toBe(team);

    const mine = await shown(clinician);
    expect(ids(mine)).toContain(patientId);
    expect(ids(mine)).not.toContain(theirs);
    expect(mine.every((e) => e.careTeam === 'copd-care-team')).toBe(true);
    expect(ids(await shown(ahus))).not.toContain(patientId);
    expect(ids(await shown(auditor))).toEqual(expect.arrayContaining([patientId, theirs]));
    expect(ids(await shown(auditor, `&team=${team}`))).toEqual([theirs]);

    // team= narrows to one of the caller's teams only.
    expect((await worklist(`?team=${team}`, clinician)).status).toBe(403);
    const badTeam = await worklist('?team=Lunge%20AHUS', clinician);
    expect(badTeam.status).toBe(400);
    expect(JSON.stringify(await badTeam.json())).toContain('team');

    // An auditor states why they open the patient (issue #22; required for the history).
    const read = async (path: string, token: string, method = 'GET') =>
      fetch(`${triage.url}/api/patients/${theirs}/triage${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(token === auditor ? { 'audit-reason': 'complaint 2026/117' } : {}) } });
    for (const path of ['', '/history', '/overrides']) {
      const refused = await read(path, clinician);
      expect(refused.status, path).toBe(403);
      expect(((await refused.json()) as { detail: string }).detail, path).toContain('is not on one of your care teams');
      expect((await read(path, ahus)).status, path).toBe(200);
      expect((await read(path, auditor)).status, path).toBe(200);
    }
    expect((await read(`/assessments/${randomUUID()}/verify`, clinician, 'POST')).status).toBe(403);
    expect((await read(`/assessments/${randomUUID()}/verify`, ahus, 'POST')).status).toBe(404);
  });

  it('with sharing down serves what the table decides (an auditor\'s worklist: each read waits in triage\'s outbox, counted on /metrics) and refuses what the policy must (a clinician\'s: 503)', async () => {
    await sharing.stop();
    const waitingFor = async (): Promise<number> => (await outboxEntriesOf(triageDb, patientId)).length;
    const before = await waitingFor();
    const auditor = await issuer.token('auditor');
    const response = await fetch(`${triage.url}/api/worklist`, { headers: { authorization: `Bearer ${auditor}`, 'audit-reason': 'quality control 2026/3' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(patientId);
    expect(await waitingFor()).toBe(before + 1);
    // A clinician's list is narrowed by the policy decision point (blocks, emergency access): without it, no patient is shown.
    const refused = await worklist('', await issuer.token('clinician', { subject: 'dr-not-cached' }));
    expect(refused.status).toBe(503);
    expect(await refused.text()).not.toContain(patientId);
    await eventually(async () => {
      const metrics = await (await fetch(`${triage.url}/metrics`)).text();
      const pending = Number(/^varde_access_log_pending_entries\{[^}]*\} (\d+)/m.exec(metrics)?.[1]);
      return pending > 0 ? pending : undefined;
    }, 'the waiting reads on /metrics');
  });

  it('fails closed: when triage cannot record the read in its own database, the worklist answers 503 and shows no patient', async () => {
    await whileOutboxUnwritable(triageDb, async () => {
      const response = await worklist();
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const text = await response.text();
      expect(text).not.toContain(patientId);
      expect(JSON.parse(text)).toMatchObject({ status: 503 });
    });
  });
});
