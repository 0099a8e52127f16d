import { randomUUID } from 'node:crypto';
import { integrationEventTypes } from '@varde/contracts';
import { accessLogOf, enrolPatient, freshSchema, whileOutboxUnwritable, startServiceProcess, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Bodies are checked field by field with toMatchObject; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('forms');
let issuer: TestIssuer;
let pathways: ServiceProcess;
let forms: ServiceProcess;
let sharing: ServiceProcess;
let db: pg.Pool;
let patientId: string;
let patientToken: string;

const CAT = 'https://varde.no/fhir/Questionnaire/cat';
const unenrolled = randomUUID();
const LINK_IDS = ['cough', 'phlegm', 'chest-tightness', 'breathlessness', 'activities', 'confidence', 'sleep', 'energy'];
const catResponse = (values: number[] = [3, 2, 1, 5, 4, 0, 2, 3], overrides: Record<string, unknown> = {}) => ({
  resourceType: 'QuestionnaireResponse',
  questionnaire: `${CAT}|1`,
  status: 'completed',
  subject: { reference: `Patient/${patientId}` },
  authored: new Date(Date.now() - 60_000).toISOString(),
  item: LINK_IDS.map((linkId, i) => ({ linkId, answer: [{ valueInteger: values[i] }] })),
  ...overrides,
});

async function call(method: string, path: string, token: string | null, body?: unknown, extraHeaders: Record<string, string> = {}) {
  const response = await fetch(`${forms.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as JsonBody };
}

const appended = async (): Promise<number> => Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);

async function busMessages(type: string, key: string, expected: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await db.query<{ type: string; payload: Buffer }>(`SELECT type, payload FROM varde_bus.messages WHERE topic = 'varde.forms.v1' AND type = $1 AND partition_key = $2 ORDER BY position`, [type, key]);
    if (rows.length >= expected || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const enrol = async (): Promise<string> => enrolPatient(pathways.url, await issuer.token('clinician'));

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  pathways = await startServiceProcess('pathways', { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: freshSchema('pathways') });
  sharing = await startServiceProcess('sharing', { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: freshSchema('sharing') });
  forms = await startServiceProcess('forms', { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: schema, PATHWAYS_GRPC_URL: pathways.grpcUrl, SHARING_GRPC_URL: sharing.grpcUrl });
  patientId = await enrol();
  patientToken = await issuer.token('patient', { patientId });
});

afterAll(async () => {
  await Promise.allSettled([forms?.stop(), sharing?.stop(), pathways?.stop()]);
  await db?.end();
  await issuer?.close();
});

describe('forms', () => {
  it('serves the CAT questionnaire', async () => {
    const cat = await call('GET', '/fhir/Questionnaire/cat', patientToken);
    expect(cat.status).toBe(200);
    expect(cat.body).toMatchObject({ resourceType: 'Questionnaire', url: CAT, version: '1', status: 'active' });
    expect(cat.body.item.map((i: { linkId: string }) => i.linkId)).toEqual(LINK_IDS);
    expect(cat.body.item[0].answerOption).toHaveLength(6);
    const all = await call('GET', '/fhir/Questionnaire', patientToken);
    expect(all.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
  });

  it('assigns the CAT when a patient is enrolled, and publishes FormAssigned', async () => {
    const deadline = Date.now() + 15_000;
    let assigned: JsonBody = {};
    while (Date.now() < deadline) {
      assigned = (await call('GET', `/fhir/Questionnaire?subject=Patient/${patientId}`, patientToken)).body;
      if (assigned.total === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(assigned).toMatchObject({ resourceType: 'Bundle', total: 1, entry: [{ resource: { url: CAT, version: '1' } }] });
    const rows = await busMessages('varde.forms.v1.FormAssigned', patientId, 1);
    expect(rows).toHaveLength(1);
    expect(integrationEventTypes['varde.forms.v1.FormAssigned'].decode(new Uint8Array(rows[0]!.payload))).toMatchObject({ patientId, questionnaireUrl: CAT, questionnaireVersion: '1' });
    const other = await call('GET', `/fhir/Questionnaire?subject=Patient/${randomUUID()}`, patientToken);
    expect(other.status).toBe(403);
    // The patient's own reads of their assignments are in their access log too.
    await accessLogOf(sharing.url, patientId, patientToken, (entries) => entries.some((e) => e.purpose === 'questionnaire-assignments' && e.resource === `Questionnaire?subject=Patient/${patientId}` && e.actor.role === 'patient'), 'the assignments read in the access log');
  });

  it('records a submitted CAT with its total and publishes QuestionnaireResponseSubmitted', async () => {
    const created = await call('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ resourceType: 'QuestionnaireResponse', status: 'completed', subject: { reference: `Patient/${patientId}` }, questionnaire: `${CAT}|1` });
    expect(created.body.meta.lastUpdated).toEqual(expect.any(String));
    expect(created.body.extension[0].extension).toContainEqual({ url: 'value', valueDecimal: 20 });
    expect(created.location).toBe(`/fhir/QuestionnaireResponse/${created.body.id}`);
    const read = await call('GET', created.location!, await issuer.token('clinician'));
    expect(read.body).toEqual(created.body);
    // The clinician's read is in the patient's access log (forwarded from forms' outbox to sharing).
    const resource = `QuestionnaireResponse/${created.body.id}`;
    await accessLogOf(sharing.url, patientId, patientToken, (entries) => entries.some((e) => e.purpose === 'questionnaire-response' && e.resource === resource && e.actor.role === 'clinician'), 'the read in the access log');

    const rows = await busMessages('varde.forms.v1.QuestionnaireResponseSubmitted', patientId, 1);
    expect(rows).toHaveLength(1);
    const event = integrationEventTypes['varde.forms.v1.QuestionnaireResponseSubmitted'].decode(new Uint8Array(rows[0]!.payload));
    expect(event).toMatchObject({ responseId: created.body.id, patientId, questionnaireUrl: CAT, questionnaireVersion: '1', scores: [{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'CAT' }, value: 20 }] });
    // The scale answers, for triage rules on single items; they add up to the total.
    expect(event.answers.map((a) => a.linkId).sort()).toEqual(['activities', 'breathlessness', 'chest-tightness', 'confidence', 'cough', 'energy', 'phlegm', 'sleep']);
    expect(event.answers.reduce((sum, a) => sum + a.value, 0)).toBe(20);
  });

  it('fails closed: when forms cannot record the read in its own database, the response is not shown (503)', async () => {
    const created = await call('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse([1, 1, 1, 1, 1, 1, 1, 1]));
    expect(created.status).toBe(201);
    await whileOutboxUnwritable(db, async () => {
      const read = await call('GET', created.location!, await issuer.token('clinician'));
      expect(read.status).toBe(503);
      expect(JSON.stringify(read.body)).not.toContain('"item"');
    }, schema);
    expect((await call('GET', created.location!, await issuer.token('clinician'))).status).toBe(200);
  });

  const bad: [string, () => unknown, number, string][] = [
    ['malformed JSON', () => '{"resourceType":', 400, 'body'],
    ['a wrong resourceType', () => catResponse(undefined, { resourceType: 'Observation' }), 400, 'QuestionnaireResponse.resourceType'],
    ['an unknown questionnaire', () => catResponse(undefined, { questionnaire: 'https://example.org/Questionnaire/x' }), 400, 'QuestionnaireResponse.questionnaire'],
    ['an answer of 6', () => catResponse([3, 2, 1, 6, 4, 0, 2, 3]), 400, 'QuestionnaireResponse.item[3].answer[0].valueInteger'],
    ['an answer as a string', () => catResponse(undefined, { item: LINK_IDS.map((linkId) => ({ linkId, answer: [{ valueInteger: '2' }] })) }), 400, 'QuestionnaireResponse.item[0].answer[0].valueInteger'],
    ['a missing item', () => catResponse(undefined, { item: LINK_IDS.slice(0, 7).map((linkId) => ({ linkId, answer: [{ valueInteger: 1 }] })) }), 400, 'QuestionnaireResponse.item'],
    ['status in-progress', () => catResponse(undefined, { status: 'in-progress' }), 400, 'QuestionnaireResponse.status'],
    ['a future authored time', () => catResponse(undefined, { authored: new Date(Date.now() + 3_600_000).toISOString() }), 400, 'QuestionnaireResponse.authored'],
    ['a patient who is not enrolled', () => catResponse(undefined, { subject: { reference: `Patient/${unenrolled}` } }), 404, 'QuestionnaireResponse.subject'],
  ];
  it.each(bad)('refuses %s with a clear 4xx naming the element, and appends nothing', async (_name, body, status, element) => {
    const before = await appended();
    const result = await call('POST', '/fhir/QuestionnaireResponse', status === 404 ? await issuer.token('patient', { patientId: unenrolled }) : patientToken, body());
    expect(result.status).toBe(status);
    expect(result.body.resourceType).toBe('OperationOutcome');
    const named = result.body.issue.map((i: { expression?: string[]; diagnostics: string }) => `${i.expression?.join() ?? ''} ${i.diagnostics}`).join('\n');
    expect(named).toContain(element);
    expect(await appended()).toBe(before);
  });

  it('refuses another patient\'s token (403) and no token (401), appending nothing', async () => {
    const before = await appended();
    expect((await call('POST', '/fhir/QuestionnaireResponse', await issuer.token('patient', { patientId: randomUUID() }), catResponse())).status).toBe(403);
    expect((await call('POST', '/fhir/QuestionnaireResponse', null, catResponse())).status).toBe(401);
    expect(await appended()).toBe(before);
  });

  describe('care teams (a clinician sees and writes only the forms of their own teams\' patients)', () => {
    const otherTeam = () => issuer.token('clinician', { careTeams: ['hjerte-ous'] });

    it("refuses a clinician of another team the patient's responses and assignments, the same way as for a patient on no team", async () => {
      const created = await call('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse([2, 2, 2, 2, 2, 2, 2, 2]));
      expect(created.status).toBe(201);
      const read = await call('GET', created.location!, await otherTeam());
      expect(read.status).toBe(403);
      expect(JSON.stringify(read.body)).not.toContain('"item"');
      expect(JSON.stringify(read.body)).not.toContain('copd-care-team');
      const assignments = await call('GET', `/fhir/Questionnaire?subject=Patient/${patientId}`, await otherTeam());
      expect(assignments.status).toBe(403);
      const unknown = await call('GET', `/fhir/Questionnaire?subject=Patient/${randomUUID()}`, await otherTeam());
      expect(unknown.status).toBe(403);
      // Same text whether the patient is on another team or on none (only the patient id differs).
      expect(unknown.body.issue[0].diagnostics.replace(/patient \S+/, '')).toBe(assignments.body.issue[0].diagnostics.replace(/patient \S+/, ''));
      // Their own team's clinician still reads.
      expect((await call('GET', created.location!, await issuer.token('clinician'))).status).toBe(200);
    });

    it('refuses a clinician of another team a submission for the patient, appending nothing', async () => {
      const before = await appended();
      const refused = await call('POST', '/fhir/QuestionnaireResponse', await otherTeam(), catResponse([1, 2, 1, 2, 1, 2, 1, 2]));
      expect(refused.status).toBe(403);
      expect(await appended()).toBe(before);
    });

    it('refuses a token without the forms scope with 403 and an insufficient_scope challenge', async () => {
      const response = await fetch(`${forms.url}/fhir/QuestionnaireResponse`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${await issuer.token('patient', { patientId, scopes: ['varde/measurements.write'] })}` },
        body: JSON.stringify(catResponse()),
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="varde", error="insufficient_scope", scope="varde/forms.write"');
    });
  });

  it('writes an access-log entry when a retried submission is answered 200 with the stored response', async () => {
    const key = randomUUID();
    const clinician = await issuer.token('clinician', { subject: `retrying-clinician-${key}` });
    const first = await call('POST', '/fhir/QuestionnaireResponse', clinician, catResponse([0, 1, 0, 1, 0, 1, 0, 1]), { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const retried = await call('POST', '/fhir/QuestionnaireResponse', clinician, catResponse([0, 1, 0, 1, 0, 1, 0, 1]), { 'idempotency-key': key });
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(first.body.id);
    await accessLogOf(sharing.url, patientId, patientToken, (entries) => entries.some((e) => e.actor.subject === `retrying-clinician-${key}` && e.resource === `QuestionnaireResponse/${first.body.id}`), 'the retried write in the access log');
  });
});
