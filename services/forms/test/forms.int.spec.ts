import { randomUUID } from 'node:crypto';
import { integrationEventTypes, pathwaysV1Events } from '@varde/contracts';
import { accessLogOf, enrolPatient, eventually, whileOutboxUnwritable, startServiceProcess, startServiceStack, startTestIssuer, type ServiceProcess, type ServiceStack, type TestIssuer } from '@varde/testing';
import { PDFParse } from 'pdf-parse';
import { PostgresMessageBus } from '@varde/messaging';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Bodies are checked field by field with toMatchObject; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
let issuer: TestIssuer;
let stack: ServiceStack;
let pathways: ServiceProcess;
let forms: ServiceProcess;
let sharing: ServiceProcess;
/** Forms' schema and the stack's own bus, as the services were given them. */
let schema: string;
let busSchema: string;
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
  const response = await raw(method, path, token, body, extraHeaders);
  return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as JsonBody };
}

/** A request to forms (a path, or an absolute URL such as a Location), answered as it came. */
function raw(method: string, path: string, token: string | null, body?: unknown, extraHeaders: Record<string, string> = {}) {
  return fetch(path.startsWith('http') ? path : `${forms.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

const appended = async (): Promise<number> => Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);

async function busMessages(type: string, key: string, expected: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await db.query<{ type: string; payload: Buffer }>(`SELECT type, payload FROM "${busSchema}".messages WHERE topic = 'varde.forms.v1' AND type = $1 AND partition_key = $2 ORDER BY position`, [type, key]);
    if (rows.length >= expected || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Deadlines are looked for every 100 ms, so expiries and reminders a few seconds ahead pass during the test.
const FORMS_EXTRA = { FORM_DEADLINE_TICK_MS: '100' };
/** What a second forms replica is started with: the stack's forms, as the stack started it. */
const formsEnv = () => ({ DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, BUS_SCHEMA: busSchema, DB_SCHEMA: schema, PATHWAYS_GRPC_URL: pathways.grpcUrl, SHARING_GRPC_URL: sharing.grpcUrl, ...FORMS_EXTRA });

const enrol = async (): Promise<string> => enrolPatient(pathways.url, await issuer.token('clinician'));

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  stack = await startServiceStack(['pathways', 'sharing', 'forms'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url }, { forms: FORMS_EXTRA });
  ({ pathways, sharing, forms } = stack.services as Record<'pathways' | 'sharing' | 'forms', ServiceProcess>);
  ({ forms: schema } = stack.schemas as Record<'forms', string>);
  busSchema = stack.busSchema;
  patientId = await enrol();
  patientToken = await issuer.token('patient', { patientId });
});

afterAll(async () => {
  await stack?.stop();
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
    const all = await call('GET', '/fhir/Questionnaire?status=active', patientToken);
    expect(all.body.entry.map((e: JsonBody) => e.resource.id)).toEqual(expect.arrayContaining(['cat', 'dho-prem', 'gad-7', 'mmrc', 'phq-9', 'pre-visit']));
  });

  it('assigns the CAT when a patient is enrolled on COPD (its questionnaire activity), and publishes FormAssigned', async () => {
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
    expect(created.location).toBe(`${forms.url}/fhir/QuestionnaireResponse/${created.body.id}/_history/1`);
    const read = await call('GET', `/fhir/QuestionnaireResponse/${created.body.id}`, await issuer.token('clinician'));
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
      const read = await call('GET', `/fhir/QuestionnaireResponse/${created.body.id}`, await issuer.token('clinician'));
      expect(read.status).toBe(503);
      expect(JSON.stringify(read.body)).not.toContain('"item"');
    }, schema);
    expect((await call('GET', `/fhir/QuestionnaireResponse/${created.body.id}`, await issuer.token('clinician'))).status).toBe(200);
  });

  const bad: [string, () => unknown, number, string][] = [
    ['malformed JSON', () => '{"resourceType":', 400, 'body'],
    ['a wrong resourceType', () => catResponse(undefined, { resourceType: 'Observation' }), 400, 'QuestionnaireResponse.resourceType'],
    ['an unknown questionnaire', () => catResponse(undefined, { questionnaire: 'https://example.org/Questionnaire/x' }), 400, 'QuestionnaireResponse.questionnaire'],
    ['an answer of 6', () => catResponse([3, 2, 1, 6, 4, 0, 2, 3]), 400, 'QuestionnaireResponse.item[3].answer[0].valueInteger'],
    ['an answer as a string', () => catResponse(undefined, { item: LINK_IDS.map((linkId) => ({ linkId, answer: [{ valueInteger: '2' }] })) }), 400, 'QuestionnaireResponse.item[0].answer[0].valueInteger'],
    ['a missing item', () => catResponse(undefined, { item: LINK_IDS.slice(0, 7).map((linkId) => ({ linkId, answer: [{ valueInteger: 1 }] })) }), 400, 'QuestionnaireResponse.item'],
    ['an element R4 does not define', () => catResponse(undefined, { colour: 'red' }), 400, 'QuestionnaireResponse'],
    ['a string where R4 wants a boolean', () => catResponse(undefined, { item: [{ linkId: 'cough', answer: [{ valueBoolean: 'yes' }] }] }), 400, 'QuestionnaireResponse.item[0].answer[0].valueBoolean'],
    ['status entered-in-error', () => catResponse(undefined, { status: 'entered-in-error' }), 400, 'QuestionnaireResponse.status'],
    ['an authored date no consumer handles', () => catResponse(undefined, { authored: '0000-01-01T00:00:00Z' }), 400, 'QuestionnaireResponse.authored'],
    ['an unknown version', () => catResponse(undefined, { questionnaire: `${CAT}|7` }), 400, 'unknown questionnaire version'],
    ['10 000 answers to one item', () => catResponse(undefined, { item: [{ linkId: 'cough', answer: Array.from({ length: 10_000 }, () => ({ valueInteger: 1 })) }] }), 400, 'linkId "cough"'],
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
      const read = await call('GET', `/fhir/QuestionnaireResponse/${created.body.id}`, await otherTeam());
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
      expect((await call('GET', `/fhir/QuestionnaireResponse/${created.body.id}`, await issuer.token('clinician'))).status).toBe(200);
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

describe('forms: authoring and versions', () => {
  const URL = `https://example.org/q/sleep-${randomUUID()}`;
  const draft = (version: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Questionnaire',
    status: 'draft',
    url: URL,
    version,
    name: 'SleepDiary',
    item: [
      { linkId: 'hours', type: 'decimal', text: 'Hours slept', required: true },
      { linkId: 'woke', type: 'boolean', text: 'Did you wake in the night?' },
      { linkId: 'times', type: 'integer', text: 'How many times?', enableWhen: [{ question: 'woke', operator: '=', answerBoolean: true }], required: true },
    ],
    extension: [{ url: 'https://varde.no/fhir/StructureDefinition/questionnaire-score', extension: [{ url: 'code', valueCoding: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'SLEEP-WAKINGS' } }, { url: 'expression', valueExpression: { language: 'text/fhirpath', expression: "%resource.item.where(linkId = 'times').answer.value.sum()" } }] }],
    ...extra,
  });

  it('creates a draft, edits it, publishes it as url|version, and then refuses edits (409)', async () => {
    const designer = await issuer.token('pathway-designer');
    const created = await call('POST', '/fhir/Questionnaire', designer, draft('1'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ resourceType: 'Questionnaire', status: 'draft', url: URL, version: '1', meta: { versionId: '1' } });
    const id = created.body.id;
    const edited = await call('PUT', `/fhir/Questionnaire/${id}`, designer, draft('1', { title: 'Sleep diary' }));
    expect(edited).toMatchObject({ status: 200, body: { title: 'Sleep diary', meta: { versionId: '2' } } });
    const published = await call('POST', `/fhir/Questionnaire/${id}/$publish`, designer);
    expect(published).toMatchObject({ status: 200, body: { status: 'active', version: '1' } });
    const before = await appended();
    const again = await call('PUT', `/fhir/Questionnaire/${id}`, designer, draft('1', { title: 'changed' }));
    expect(again.status).toBe(409);
    expect(again.body.issue[0].diagnostics).toContain('immutable');
    // A second draft with the same url|version cannot be published.
    const twin = await call('POST', '/fhir/Questionnaire', designer, draft('1'));
    expect((await call('POST', `/fhir/Questionnaire/${twin.body.id}/$publish`, designer)).status).toBe(409);
    expect(await appended()).toBe(before + 1);
    const v2 = await call('POST', '/fhir/Questionnaire', designer, draft('2'));
    await call('POST', `/fhir/Questionnaire/${v2.body.id}/$publish`, designer);

    const search = async (query: string) => (await call('GET', `/fhir/Questionnaire?${query}`, patientToken)).body.entry.map((e: JsonBody) => `${e.resource.version}:${e.resource.status}`).sort();
    expect(await search(`url=${encodeURIComponent(URL)}`)).toEqual(['1:active', '1:draft', '2:active']);
    expect(await search(`url=${encodeURIComponent(URL)}&version=2`)).toEqual(['2:active']);
    expect(await search(`url=${encodeURIComponent(URL)}&status=draft`)).toEqual(['1:draft']);
    expect(await search(`name=sleepdi&url=${encodeURIComponent(URL)}&status=active`)).toEqual(['1:active', '2:active']);

    const retired = await call('POST', `/fhir/Questionnaire/${id}/$retire`, designer);
    expect(retired.body.status).toBe('retired');
    expect(await search(`url=${encodeURIComponent(URL)}&status=active`)).toEqual(['2:active']);
    // The patient may not author.
    expect((await call('POST', '/fhir/Questionnaire', patientToken, draft('3'))).status).toBe(403);
  });

  const badQuestionnaires: [string, Record<string, unknown>, string][] = [
    ['duplicate linkIds', draft('9', { item: [{ linkId: 'a', type: 'boolean' }, { linkId: 'a', type: 'string' }] }), 'linkId "a" is used twice'],
    ['an enableWhen on a missing item', draft('9', { item: [{ linkId: 'a', type: 'boolean', enableWhen: [{ question: 'ghost', operator: 'exists', answerBoolean: true }] }] }), 'enableWhen names "ghost"'],
    ['an enableWhen cycle', draft('9', { item: [{ linkId: 'a', type: 'boolean', enableWhen: [{ question: 'b', operator: '=', answerBoolean: true }] }, { linkId: 'b', type: 'boolean', enableWhen: [{ question: 'a', operator: '=', answerBoolean: true }] }] }), 'enableWhen cycle'],
    ['FHIRPath that does not parse', draft('9', { extension: [{ url: 'https://varde.no/fhir/StructureDefinition/questionnaire-score', extension: [{ url: 'code', valueCoding: { system: 'urn:s', code: 'X' } }, { url: 'expression', valueExpression: { language: 'text/fhirpath', expression: 'item.where(' } }] }] }), 'FHIRPath does not parse'],
    ['an enableWhenExpression that does not parse', draft('9', { item: [{ linkId: 'a', type: 'boolean', extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath', expression: '%resource.item.where(' } }] }] }), '(linkId "a"): sdc-questionnaire-enableWhenExpression: FHIRPath does not parse'],
    ['an attachment item', draft('9', { item: [{ linkId: 'photo', type: 'attachment' }] }), 'attachment items are not supported'],
    ['a draft sent as active', draft('9', { status: 'active' }), '$publish'],
  ];
  it.each(badQuestionnaires)('refuses a questionnaire with %s (400 naming the item), writing nothing', async (_name, body, expected) => {
    const before = await appended();
    const result = await call('POST', '/fhir/Questionnaire', await issuer.token('pathway-designer'), body);
    expect(result.status).toBe(400);
    expect(result.body.issue.map((i: JsonBody) => i.diagnostics).join('\n')).toContain(expected);
    expect(await appended()).toBe(before);
  });

  it('publishes a form with an SDC enableWhenExpression and checks responses by it: required when it holds, refused when it does not', async () => {
    const designer = await issuer.token('pathway-designer');
    const url = `https://example.org/q/nights-${randomUUID()}`;
    const answerOf = (linkId: string) => `%resource.item.where(linkId = '${linkId}').answer.value`;
    const created = await call('POST', '/fhir/Questionnaire', designer, {
      resourceType: 'Questionnaire',
      status: 'draft',
      url,
      version: '1',
      item: [
        { linkId: 'slept', type: 'decimal', text: 'Hours slept', required: true },
        { linkId: 'woke', type: 'integer', text: 'Times woken', required: true },
        {
          linkId: 'why',
          type: 'string',
          text: 'What kept you awake?',
          required: true,
          extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath', expression: `${answerOf('slept')} < 5 or ${answerOf('woke')} > 3` } }],
        },
      ],
    });
    expect(created.status).toBe(201);
    expect((await call('POST', `/fhir/Questionnaire/${created.body.id}/$publish`, designer)).status).toBe(200);
    const response = (slept: number, woke: number, why?: string) => ({
      resourceType: 'QuestionnaireResponse',
      questionnaire: `${url}|1`,
      status: 'completed',
      subject: { reference: `Patient/${patientId}` },
      authored: new Date(Date.now() - 60_000).toISOString(),
      item: [{ linkId: 'slept', answer: [{ valueDecimal: slept }] }, { linkId: 'woke', answer: [{ valueInteger: woke }] }, ...(why ? [{ linkId: 'why', answer: [{ valueString: why }] }] : [])],
    });
    const before = await appended();
    const missing = await call('POST', '/fhir/QuestionnaireResponse', patientToken, response(4, 0));
    expect(missing.status).toBe(400);
    expect(missing.body.issue.map((i: JsonBody) => i.diagnostics)).toEqual(['QuestionnaireResponse.item: linkId "why" is required ("What kept you awake?") and has no answer']);
    const disabled = await call('POST', '/fhir/QuestionnaireResponse', patientToken, response(8, 1, 'noise'));
    expect(disabled.status).toBe(400);
    expect(disabled.body.issue[0].diagnostics).toContain('linkId "why" is not enabled by the answers given');
    expect(await appended()).toBe(before);
    // Completed responses answer an assignment: a clinician assigns the form for each.
    const assign = async () => expect((await call('POST', `/api/patients/${patientId}/form-assignments`, await issuer.token('clinician'), { questionnaire: `${url}|1` })).status).toBe(201);
    await assign();
    expect((await call('POST', '/fhir/QuestionnaireResponse', patientToken, response(4, 5, 'noise'))).status).toBe(201);
    await assign();
    expect((await call('POST', '/fhir/QuestionnaireResponse', patientToken, response(8, 1))).status).toBe(201);
  });
});

describe('forms: FHIR HTTP conformance (as the measurements edge)', () => {
  it('answers writes with an absolute versioned Location, ETag and Last-Modified, follows Prefer: return=, and reads and vreads with the same headers', async () => {
    const created = await raw('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse());
    expect(created.status).toBe(201);
    const response = (await created.json()) as JsonBody;
    expect(created.headers.get('location')).toBe(`${forms.url}/fhir/QuestionnaireResponse/${response.id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(Date.parse(created.headers.get('last-modified')!)).toBe(Math.floor(Date.parse(response.meta.lastUpdated) / 1000) * 1000);
    expect(created.headers.get('content-type')).toContain('application/fhir+json');
    const clinician = await issuer.token('clinician');
    for (const path of [`/fhir/QuestionnaireResponse/${response.id}`, `/fhir/QuestionnaireResponse/${response.id}/_history/1`]) {
      const read = await raw('GET', path, clinician);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('W/"1"');
      expect(read.headers.get('last-modified')).toBe(created.headers.get('last-modified'));
      expect((await read.json()) as JsonBody).toEqual(response);
    }
    expect((await raw('GET', `/fhir/QuestionnaireResponse/${response.id}/_history/2`, clinician)).status).toBe(404);
    const minimal = await raw('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse(), { prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(await minimal.text()).toBe('');
    expect(minimal.headers.get('location')).toMatch(/\/fhir\/QuestionnaireResponse\/[0-9a-f-]{36}\/_history\/1$/);
    const outcome = await raw('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse(), { prefer: 'return=OperationOutcome' });
    expect(((await outcome.json()) as JsonBody).resourceType).toBe('OperationOutcome');
  });

  it('saves with If-Match: the version read is saved (200, new ETag), a stale one is a 412 and writes nothing', async () => {
    const { body: draft } = await call('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse(undefined, { status: 'in-progress', item: [{ linkId: 'cough', answer: [{ valueInteger: 1 }] }] }));
    const path = `/fhir/QuestionnaireResponse/${draft.id}`;
    const saved = await raw('PUT', path, patientToken, catResponse(undefined, { status: 'in-progress', item: [{ linkId: 'cough', answer: [{ valueInteger: 2 }] }] }), { 'if-match': 'W/"1"' });
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(saved.headers.get('etag')).toBe('W/"2"');
    const before = await appended();
    const stale = await raw('PUT', path, patientToken, catResponse(), { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(JSON.stringify(await stale.json())).toContain('at version 2');
    expect((await raw('PUT', path, patientToken, catResponse(), { 'if-match': 'yesterday' })).status).toBe(400);
    expect(await appended()).toBe(before);
    const completed = await raw('PUT', path, patientToken, catResponse(), { 'if-match': '"2"' });
    expect(completed.status).toBe(200);
    expect(((await completed.json()) as JsonBody).status).toBe('completed');
  });

  it('saves a Questionnaire draft with If-Match, refuses a stale one with 412, and describes both resources as versioned-update', async () => {
    const designer = await issuer.token('pathway-designer');
    const id = `q-${randomUUID().slice(0, 8)}`;
    const draft = { resourceType: 'Questionnaire', status: 'draft', url: `https://example.org/q/${id}`, version: '1', item: [{ linkId: 'a', type: 'boolean', text: 'A?' }] };
    const created = await raw('PUT', `/fhir/Questionnaire/${id}`, designer, draft);
    expect(created.status, await created.clone().text()).toBe(200);
    expect(created.headers.get('location')).toBe(`${forms.url}/fhir/Questionnaire/${id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    const edited = await raw('PUT', `/fhir/Questionnaire/${id}`, designer, { ...draft, title: 'Edited' }, { 'if-match': 'W/"1"' });
    expect(edited.headers.get('etag')).toBe('W/"2"');
    const before = await appended();
    const stale = await raw('PUT', `/fhir/Questionnaire/${id}`, designer, { ...draft, title: 'Lost update' }, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(await appended()).toBe(before);
    const read = await raw('GET', `/fhir/Questionnaire/${id}`, designer);
    expect(read.headers.get('etag')).toBe('W/"2"');
    expect(((await read.json()) as JsonBody).title).toBe('Edited');
    const statement = (await (await raw('GET', '/fhir/metadata', null)).json()) as JsonBody;
    const described = Object.fromEntries(statement.rest[0].resource.map((r: JsonBody) => [r.type, r]));
    expect(described.Questionnaire).toMatchObject({ versioning: 'versioned-update', updateCreate: true, conditionalUpdate: false });
    expect(described.QuestionnaireResponse).toMatchObject({ versioning: 'versioned-update', updateCreate: false, readHistory: true });
    expect(described.QuestionnaireResponse.interaction.map((i: JsonBody) => i.code)).toContain('vread');
  });

  it('refuses a response to a retired questionnaire with 409 naming QuestionnaireResponse.questionnaire, writing nothing; names what does not exist as FHIR resources', async () => {
    const designer = await issuer.token('pathway-designer');
    const id = `q-${randomUUID().slice(0, 8)}`;
    const url = `https://example.org/q/${id}`;
    expect((await call('PUT', `/fhir/Questionnaire/${id}`, designer, { resourceType: 'Questionnaire', status: 'draft', url, version: '1', item: [{ linkId: 'a', type: 'boolean', text: 'A?' }] })).status).toBe(200);
    expect((await call('POST', `/fhir/Questionnaire/${id}/$publish`, designer)).status).toBe(200);
    expect((await call('POST', `/fhir/Questionnaire/${id}/$retire`, designer)).status).toBe(200);
    const before = await appended();
    const refused = await call('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse(undefined, { questionnaire: `${url}|1`, status: 'in-progress', item: [{ linkId: 'a', answer: [{ valueBoolean: true }] }] }));
    expect(refused.status).toBe(409);
    expect(refused.body.issue[0].diagnostics).toBe(`QuestionnaireResponse.questionnaire: ${url}|1 is retired and can no longer be answered`);
    expect(await appended()).toBe(before);
    const missing = randomUUID();
    expect((await call('GET', `/fhir/Questionnaire/no-${id}`, designer)).body.issue[0].diagnostics).toBe(`Questionnaire/no-${id} does not exist`);
    expect((await call('GET', `/fhir/QuestionnaireResponse/${missing}`, patientToken)).body.issue[0].diagnostics).toBe(`QuestionnaireResponse/${missing} does not exist`);
  });

  it('speaks JSON only: _format=json and Accept JSON are served, XML is a 406 on every FHIR route', async () => {
    const clinician = await issuer.token('clinician');
    const search = `/fhir/QuestionnaireResponse?subject=Patient/${patientId}`;
    expect((await raw('GET', `${search}&_format=json`, clinician)).status).toBe(200);
    expect((await raw('GET', search, clinician, undefined, { accept: 'application/fhir+json' })).status).toBe(200);
    expect((await raw('GET', `${search}&_format=xml`, clinician)).status).toBe(406);
    expect((await raw('GET', '/fhir/Questionnaire/cat', clinician, undefined, { accept: 'application/fhir+xml' })).status).toBe(406);
    expect((await raw('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse(), { accept: 'application/xml' })).status).toBe(406);
  });
});

describe('forms: response lifecycle', () => {
  it('saves a draft in progress, completes it elsewhere, refuses other answers as completed (409), keeps amendments in the history', async () => {
    const draft = await call('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse(undefined, { status: 'in-progress', item: [{ linkId: 'cough', answer: [{ valueInteger: 2 }] }] }));
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'in-progress', meta: { versionId: '1' } });
    expect(draft.body.extension).toBeUndefined();
    const id = draft.body.id;
    // Resumed from another device: the whole response, completed.
    const completed = await call('PUT', `/fhir/QuestionnaireResponse/${id}`, patientToken, catResponse([2, 2, 2, 2, 2, 2, 2, 2]));
    expect(completed).toMatchObject({ status: 200, body: { status: 'completed', meta: { versionId: '2' } } });
    expect(completed.body.extension[0].extension).toContainEqual({ url: 'value', valueDecimal: 16 });
    const before = await appended();
    const conflicting = await call('PUT', `/fhir/QuestionnaireResponse/${id}`, patientToken, catResponse([5, 2, 2, 2, 2, 2, 2, 2]));
    expect(conflicting.status).toBe(409);
    expect(await appended()).toBe(before);
    const amended = await call('PUT', `/fhir/QuestionnaireResponse/${id}`, patientToken, catResponse([5, 2, 2, 2, 2, 2, 2, 2], { status: 'amended' }));
    expect(amended.body).toMatchObject({ status: 'amended', meta: { versionId: '3' } });
    expect(amended.body.extension[0].extension).toContainEqual({ url: 'value', valueDecimal: 19 });
    const history = await call('GET', `/fhir/QuestionnaireResponse/${id}/_history`, await issuer.token('clinician'));
    expect(history.body.entry.map((e: JsonBody) => e.resource.status)).toEqual(['amended', 'completed', 'in-progress']);
  });

  it('answers a resend with the same Idempotency-Key but other answers with 409, writing nothing', async () => {
    const key = randomUUID();
    const post = (values: number[]) => fetch(`${forms.url}/fhir/QuestionnaireResponse`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${patientToken}`, 'idempotency-key': key }, body: JSON.stringify(catResponse(values)) });
    expect((await post([1, 1, 1, 1, 1, 1, 1, 1])).status).toBe(201);
    expect((await post([1, 1, 1, 1, 1, 1, 1, 1])).status).toBe(200);
    const before = await appended();
    const refused = await post([2, 1, 1, 1, 1, 1, 1, 1]);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as JsonBody).issue[0].diagnostics).toMatch(/^Idempotency-Key: QuestionnaireResponse\/[0-9a-f-]{36} was already recorded with other answers; a retry must resend the same answers$/);
    expect(await appended()).toBe(before);
  });

  it('resolves a bare url to the version assigned to the patient', async () => {
    const created = await call('POST', '/fhir/QuestionnaireResponse', patientToken, catResponse(undefined, { questionnaire: CAT }));
    expect(created.status).toBe(201);
    expect(created.body.questionnaire).toBe(`${CAT}|1`);
  });
});

describe('forms: assignments, any shipped instrument, guardians', () => {
  const PHQ9 = 'https://varde.no/fhir/Questionnaire/phq-9';
  const FREQUENCY = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];
  const phq9 = (values: number[], overrides: Record<string, unknown> = {}) => ({
    resourceType: 'QuestionnaireResponse',
    questionnaire: `${PHQ9}|1`,
    status: 'completed',
    subject: { reference: `Patient/${patientId}` },
    authored: new Date(Date.now() - 60_000).toISOString(),
    item: values.map((v, i) => ({ linkId: `phq9-${i + 1}`, answer: [{ valueCoding: { system: 'http://loinc.org', code: FREQUENCY[v] } }] })),
    ...overrides,
  });
  const assignments = async (token: string) => (await call('GET', `/api/patients/${patientId}/form-assignments`, token)).body.assignments as JsonBody[];

  it('a clinician assigns PHQ-9 with a due time, expiry and reminders; the patient answers it; the score is published as an Observation', async () => {
    const clinician = await issuer.token('clinician');
    const before = await appended();
    expect((await call('POST', '/fhir/QuestionnaireResponse', patientToken, phq9([1, 1, 1, 1, 1, 1, 1, 1, 1]))).status).toBe(409);
    expect(await appended()).toBe(before);
    const dueAt = new Date(Date.now() + 86_400_000).toISOString();
    const expiresAt = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const created = await call('POST', `/api/patients/${patientId}/form-assignments`, clinician, { questionnaire: `${PHQ9}|1`, dueAt, expiresAt, remindAt: [new Date(Date.now() + 3_600_000).toISOString()] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ questionnaireUrl: PHQ9, questionnaireVersion: '1', dueAt, expiresAt, status: 'open', assignedBy: 'clinician' });
    expect((await call('POST', `/api/patients/${patientId}/form-assignments`, patientToken, { questionnaire: `${PHQ9}|1` })).status).toBe(403);
    expect((await call('POST', `/api/patients/${patientId}/form-assignments`, clinician, { questionnaire: `${PHQ9}|9` })).status).toBe(400);

    const response = await call('POST', '/fhir/QuestionnaireResponse', patientToken, phq9([3, 3, 3, 3, 3, 2, 2, 1, 2]));
    expect(response.status).toBe(201);
    expect(response.body.extension[0].extension).toContainEqual({ url: 'value', valueDecimal: 22 });
    expect((await assignments(patientToken)).find((a) => a.assignmentId === created.body.assignmentId)).toMatchObject({ status: 'answered', responseId: response.body.id });
    const rows = await eventually(async () => {
      const found = await busMessages('varde.forms.v1.QuestionnaireResponseSubmitted', patientId, 1);
      return found.map((r) => integrationEventTypes['varde.forms.v1.QuestionnaireResponseSubmitted'].decode(new Uint8Array(r.payload))).find((e) => e.responseId === response.body.id);
    }, 'the PHQ-9 response on the bus');
    expect(rows.scores).toEqual([{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'PHQ-9', display: 'PHQ-9 total score' }, value: 22 }]);
    const observation = JSON.parse(rows.observations[0]!.fhirJson);
    expect(observation).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ code: 'survey' }] }],
      code: { coding: expect.arrayContaining([expect.objectContaining({ system: 'http://loinc.org', code: '44261-6' })]) },
      subject: { reference: `Patient/${patientId}` },
      valueQuantity: { value: 22, code: '{score}' },
      derivedFrom: [{ reference: `QuestionnaireResponse/${response.body.id}` }],
    });
    const assigned = await busMessages('varde.forms.v1.FormAssigned', patientId, 2);
    const event = assigned.map((r) => integrationEventTypes['varde.forms.v1.FormAssigned'].decode(new Uint8Array(r.payload))).find((e) => e.questionnaireUrl === PHQ9);
    expect(event).toMatchObject({ assignedBy: 'clinician', dueAt: new Date(dueAt), expiresAt: new Date(expiresAt) });

    // For the EHR: a Bundle of the response, its score Observation and the Questionnaire; and a PDF summary.
    const clinicianRead = await issuer.token('clinician');
    const exported = await call('GET', `/fhir/QuestionnaireResponse/${response.body.id}/$export`, clinicianRead);
    expect(exported.body).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(exported.body.entry.map((e: JsonBody) => e.resource.resourceType)).toEqual(['QuestionnaireResponse', 'Observation', 'Questionnaire']);
    expect(exported.body.entry[1].resource).toEqual(observation);
    const pdf = await fetch(`${forms.url}/fhir/QuestionnaireResponse/${response.body.id}/$pdf`, { headers: { authorization: `Bearer ${clinicianRead}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const parser = new PDFParse({ data: new Uint8Array(await pdf.arrayBuffer()) });
    const text = (await parser.getText()).text.replace(/\s+/g, ' ');
    await parser.destroy();
    for (const expected of ['Patient Health Questionnaire (PHQ-9)', `${PHQ9}|1`, `Patient/${patientId}`, 'Status: completed', 'PHQ-9 total score: 22', 'Little interest or pleasure in doing things', 'Nearly every day', 'More than half the days', 'Several days']) {
      expect(text).toContain(expected);
    }
    expect((await fetch(`${forms.url}/fhir/QuestionnaireResponse/${response.body.id}/$pdf`, { headers: { authorization: `Bearer ${await issuer.token('clinician', { careTeams: ['hjerte-ous'] })}` } })).status).toBe(403);
    await accessLogOf(sharing.url, patientId, patientToken, (entries) => entries.some((e) => e.resource === `QuestionnaireResponse/${response.body.id}/$pdf`), 'the PDF read in the access log');
  });

  it('records a guardian answering for the child as the author (a RelatedPerson)', async () => {
    const guardian = await issuer.token('guardian', { patientIds: [patientId] });
    const response = await call('POST', '/fhir/QuestionnaireResponse', guardian, catResponse([1, 1, 1, 1, 1, 1, 1, 1]));
    expect(response.status).toBe(201);
    expect(response.body.author).toMatchObject({ reference: expect.stringMatching(/^RelatedPerson\//), display: 'guardian' });
    const read = await call('GET', `/fhir/QuestionnaireResponse/${response.body.id}`, await issuer.token('clinician'));
    expect(read.body.author).toEqual(response.body.author);
    const other = await issuer.token('guardian', { patientIds: [randomUUID()] });
    expect((await call('POST', '/fhir/QuestionnaireResponse', other, catResponse())).status).toBe(403);
  });
});

describe('forms: pre-fill', () => {
  const PRE_VISIT = 'https://varde.no/fhir/Questionnaire/pre-visit';
  const PREFILLED = 'https://varde.no/fhir/StructureDefinition/prefilled';
  const quantity = (value: number, code: string) => ({ valueQuantity: { value, unit: code, system: 'http://unitsofmeasure.org', code } });

  it('fills weight from the latest measurement and height and smoking from the previous answer, each marked pre-filled with its source', async () => {
    const clinician = await issuer.token('clinician');
    expect((await call('POST', `/api/patients/${patientId}/form-assignments`, clinician, { questionnaire: `${PRE_VISIT}|1` })).status).toBe(201);
    const populate = async () => (await call('GET', `/fhir/Questionnaire/pre-visit/$populate?subject=Patient/${patientId}`, patientToken)).body;
    expect(await populate()).toMatchObject({ resourceType: 'QuestionnaireResponse', status: 'in-progress', questionnaire: `${PRE_VISIT}|1`, item: [] });

    // A weighing from the scale, as measurements publishes it.
    const bus = new PostgresMessageBus({ databaseUrl, schema: busSchema });
    const measurementId = randomUUID();
    const effectiveTime = new Date(Date.now() - 2 * 86_400_000);
    const id = randomUUID();
    await bus.publish([{
      id, type: 'varde.measurements.v1.MeasurementRecorded', source: 'varde/measurements', topic: 'varde.measurements.v1', key: patientId, time: effectiveTime.toISOString(), recordedTime: new Date().toISOString(), correlationId: id, causationId: id,
      payload: integrationEventTypes['varde.measurements.v1.MeasurementRecorded'].encode({
        measurementId, patientId, code: { system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }, value: 81, unit: 'kg', originalValue: 81, originalUnit: 'kg',
        effectiveTime, receivedTime: new Date(), provenance: undefined, flags: [], components: [],
      }),
    }]);
    await bus.close();
    const weighed = await eventually(async () => {
      const body = await populate();
      return body.item.length > 0 ? body : undefined;
    }, 'the weight to be pre-filled');
    expect(weighed.item).toEqual([{ linkId: 'body', text: 'Height and weight', item: [{ linkId: 'weight', text: 'Weight', answer: [{ ...quantity(81, 'kg'), extension: [{ url: PREFILLED, valueReference: { reference: `Observation/${measurementId}` } }] }] }] }]);

    // The patient completes it once; the next time, height and smoking come from that answer.
    const smoker = { valueCoding: { system: 'http://snomed.info/sct', code: '77176002', display: 'Smoker' } };
    const completed = await call('POST', '/fhir/QuestionnaireResponse', patientToken, {
      resourceType: 'QuestionnaireResponse', questionnaire: `${PRE_VISIT}|1`, status: 'completed', subject: { reference: `Patient/${patientId}` }, authored: new Date(Date.now() - 60_000).toISOString(),
      item: [
        { linkId: 'body', item: [{ linkId: 'height', answer: [quantity(180, 'cm')] }, weighed.item[0].item[0]] },
        { linkId: 'smoking', answer: [smoker] },
        { linkId: 'cigarettes-per-day', answer: [{ valueInteger: 5 }] },
      ],
    });
    expect(completed.status).toBe(201);
    const bmi = completed.body.item[0].item.find((i: JsonBody) => i.linkId === 'bmi');
    expect(bmi.answer).toEqual([{ valueDecimal: 25 }]);
    // The stored response keeps which answers were pre-filled.
    expect(completed.body.item[0].item.find((i: JsonBody) => i.linkId === 'weight').answer[0].extension[0].url).toBe(PREFILLED);
    const again = await populate();
    const source = { url: PREFILLED, valueReference: { reference: `QuestionnaireResponse/${completed.body.id}` } };
    expect(again.item).toEqual([
      { linkId: 'body', text: 'Height and weight', item: [
        { linkId: 'height', text: 'Height', answer: [{ ...quantity(180, 'cm'), extension: [source] }] },
        { linkId: 'weight', text: 'Weight', answer: [{ ...quantity(81, 'kg'), extension: [{ url: PREFILLED, valueReference: { reference: `Observation/${measurementId}` } }] }] },
      ] },
      { linkId: 'smoking', text: 'Do you smoke?', answer: [{ ...smoker, extension: [source] }] },
    ]);
    expect((await call('GET', `/fhir/Questionnaire/pre-visit/$populate?subject=Patient/${randomUUID()}`, patientToken)).status).toBe(403);
  });
});

describe('forms: the pathway schedule', () => {
  it('assigns the questionnaire of a due questionnaire task (TaskDue), due at its time and lapsing at the end of its window', async () => {
    const GAD7 = 'https://varde.no/fhir/Questionnaire/gad-7';
    const dueAt = new Date();
    const windowEnd = new Date(Date.now() + 4 * 3_600_000);
    const bus = new PostgresMessageBus({ databaseUrl, schema: busSchema });
    const task = (questionnaire: string, kind: number) => {
      const id = randomUUID();
      return {
        id, type: 'varde.pathways.v1.TaskDue', source: 'varde/pathways', topic: 'varde.pathways.v1', key: patientId, time: dueAt.toISOString(), recordedTime: new Date().toISOString(), correlationId: id, causationId: id,
        payload: integrationEventTypes['varde.pathways.v1.TaskDue'].encode({
          patientId, taskId: randomUUID(), enrolmentId: randomUUID(), pathwayId: 'copd', pathwayVersion: 1, activity: 'copd-gad7', kind, loincCode: '', questionnaire, dueAt, windowEnd, title: 'Answer the GAD-7',
        }),
      };
    };
    await bus.publish([task('', pathwaysV1Events.TaskKind.TASK_KIND_MEASUREMENT), task(`${GAD7}|1`, pathwaysV1Events.TaskKind.TASK_KIND_QUESTIONNAIRE)]);
    await bus.close();
    const assignment = await eventually(async () => {
      const list = (await call('GET', `/api/patients/${patientId}/form-assignments`, patientToken)).body.assignments as JsonBody[];
      return list.find((a) => a.questionnaireUrl === GAD7);
    }, 'the GAD-7 to be assigned from the task');
    expect(assignment).toMatchObject({ questionnaireVersion: '1', assignedBy: 'pathway', status: 'open', dueAt: dueAt.toISOString(), expiresAt: windowEnd.toISOString() });
  });
});

describe('forms: assignment deadlines', () => {
  const MMRC = 'https://varde.no/fhir/Questionnaire/mmrc';
  const decoded = async <K extends 'varde.forms.v1.FormReminderDue' | 'varde.forms.v1.FormAssignmentExpired'>(type: K, patient: string) =>
    (await db.query<{ payload: Buffer }>(`SELECT payload FROM "${busSchema}".messages WHERE topic = 'varde.forms.v1' AND type = $1 AND partition_key = $2 ORDER BY position`, [type, patient])).rows.map((r) =>
      integrationEventTypes[type].decode(new Uint8Array(r.payload)),
    );

  it('publishes a reminder once at its time and lets an unanswered assignment lapse at its expiry, with two replicas running the deadline job', async () => {
    const patient = await enrol();
    const replica = await startServiceProcess('forms', formsEnv());
    try {
      const clinician = await issuer.token('clinician');
      const remindAt = new Date(Date.now() + 1_500).toISOString();
      const expiresAt = new Date(Date.now() + 4_000).toISOString();
      const created = await call('POST', `/api/patients/${patient}/form-assignments`, clinician, { questionnaire: `${MMRC}|1`, dueAt: remindAt, expiresAt, remindAt: [remindAt] });
      expect(created.status).toBe(201);
      const { assignmentId } = created.body;

      const [reminder] = await eventually(async () => {
        const found = await decoded('varde.forms.v1.FormReminderDue', patient);
        return found.length > 0 ? found : undefined;
      }, 'FormReminderDue');
      expect(reminder).toMatchObject({ assignmentId, patientId: patient, questionnaireUrl: MMRC, questionnaireVersion: '1', remindAt: new Date(remindAt), dueAt: new Date(remindAt) });

      const [expired] = await eventually(async () => {
        const found = await decoded('varde.forms.v1.FormAssignmentExpired', patient);
        return found.length > 0 ? found : undefined;
      }, 'FormAssignmentExpired');
      expect(expired).toMatchObject({ assignmentId, patientId: patient, questionnaireUrl: MMRC, questionnaireVersion: '1', expiredAt: new Date(expiresAt) });
      const patientToken = await issuer.token('patient', { patientId: patient });
      const listed = (await call('GET', `/api/patients/${patient}/form-assignments`, patientToken)).body.assignments as JsonBody[];
      expect(listed.find((a) => a.assignmentId === assignmentId)).toMatchObject({ status: 'expired' });

      // Both replicas ran the job through both deadlines, and more runs have passed since: each event was written once.
      const nothingLeft = await db.query(`SELECT 1 FROM "${schema}".form_assignment_deadlines WHERE patient_id = $1`, [patient]);
      expect(nothingLeft.rowCount).toBe(0);
      const { rows } = await db.query<{ message_type: string }>(`SELECT message_type FROM "${schema}".emt_messages WHERE stream_id = $1 AND message_data->>'assignmentId' = $2 ORDER BY global_position`, [`form-assignments-${patient}`, assignmentId]);
      expect(rows.map((r) => r.message_type)).toEqual(['FormAssigned', 'FormReminderDue', 'FormAssignmentExpired']);
    } finally {
      await replica.stop();
    }
    // It starts a second forms process: on a loaded 2-core machine that alone can take most of a minute.
  }, 240_000);
});

describe('forms: searching responses', () => {
  it("finds a patient's responses by status, questionnaire and authored time (a draft to resume on another device), for those allowed, logged", async () => {
    const patient = await enrol();
    const token = await issuer.token('patient', { patientId: patient });
    const response = (values: number[] | undefined, overrides: Record<string, unknown>) => ({ ...catResponse(values, overrides), subject: { reference: `Patient/${patient}` } });
    // The CAT comes with the COPD enrolment; until forms has it, a response is refused.
    const completed = await eventually(async () => {
      const created = await call('POST', '/fhir/QuestionnaireResponse', token, response([1, 1, 1, 1, 1, 1, 1, 1], { authored: '2026-11-30T09:00:00Z' }));
      return created.status === 201 ? created.body : undefined;
    }, 'the CAT to be assigned and answered');
    const draft = await call('POST', '/fhir/QuestionnaireResponse', token, response(undefined, { status: 'in-progress', authored: '2026-12-01T18:00:00Z', item: [{ linkId: 'cough', answer: [{ valueInteger: 2 }] }] }));
    expect(draft.status).toBe(201);

    const search = async (query: string, as = token) => call('GET', `/fhir/QuestionnaireResponse?subject=Patient/${patient}${query}`, as);
    const ids = async (query: string) => {
      const found = await search(query);
      expect(found.status).toBe(200);
      return (found.body.entry as JsonBody[]).map((e) => e.resource.id);
    };
    const resumable = await search('&status=in-progress');
    expect(resumable.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ resource: { id: draft.body.id, status: 'in-progress', item: [{ linkId: 'cough' }] } }] });
    expect(await ids('')).toEqual([draft.body.id, completed.id]);
    expect(await ids(`&questionnaire=${encodeURIComponent(`${CAT}|1`)}&status=completed,amended`)).toEqual([completed.id]);
    expect(await ids(`&questionnaire=${encodeURIComponent('https://varde.no/fhir/Questionnaire/phq-9')}`)).toEqual([]);
    expect(await ids('&authored=ge2026-12-01')).toEqual([draft.body.id]);
    expect(await ids('&authored=2026-11-30')).toEqual([completed.id]);
    expect(await ids('&authored=gt2026-11-30T09:00:00Z&authored=lt2026-12-02')).toEqual([draft.body.id]);
    expect(await ids('&_count=1')).toEqual([draft.body.id]);
    // The search rules of every Varde FHIR search: all R4 date prefixes and partial dates, order, paging through
    // absolute links, the total of all matches, _summary=count, and unknown parameters only when asked to be lenient.
    expect(await ids('&authored=2026-11')).toEqual([completed.id]);
    expect(await ids('&authored=ne2026-11-30')).toEqual([draft.body.id]);
    expect(await ids('&_sort=authored')).toEqual([completed.id, draft.body.id]);
    const first = await search('&_count=1');
    expect(first.body.total).toBe(2);
    expect(first.body.entry[0].fullUrl).toMatch(new RegExp(`^http://[^/]+/fhir/QuestionnaireResponse/${draft.body.id}$`));
    const next = (first.body.link as JsonBody[]).find((l) => l.relation === 'next')!.url as string;
    expect(next).toMatch(/^http:\/\/[^/]+\/fhir\/QuestionnaireResponse\?subject=.*&_count=1&_sort=-authored&_cursor=/);
    const second = await call('GET', next.slice(next.indexOf('/fhir/')), token);
    expect(second.body.entry.map((e: JsonBody) => e.resource.id)).toEqual([completed.id]);
    expect((second.body.link as JsonBody[]).some((l) => l.relation === 'next')).toBe(false);
    const counted = await search('&_summary=count');
    expect(counted.body).toMatchObject({ total: 2 });
    expect(counted.body.entry).toBeUndefined();
    expect((await search('&_tag=x')).status).toBe(400);
    const lenient = await fetch(`${forms.url}/fhir/QuestionnaireResponse?subject=Patient/${patient}&_tag=x`, { headers: { authorization: `Bearer ${token}`, prefer: 'handling=lenient' } });
    expect(lenient.status).toBe(200);

    // A clinician of the patient's team may; another patient, a clinician of another team, and bad searches may not.
    expect((await search('', await issuer.token('clinician'))).status).toBe(200);
    expect((await search('', patientToken)).status).toBe(403);
    expect((await search('', await issuer.token('clinician', { careTeams: ['hjerte-ous'] }))).status).toBe(403);
    for (const [query, field] of [['&status=done', 'status'], ['&authored=yesterday', 'authored'], ['&_count=0', '_count'], ['&patient=x', 'patient']]) {
      const refused = await search(query!);
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain(field!);
    }
    expect((await call('GET', '/fhir/QuestionnaireResponse?status=completed', token)).status).toBe(400);
    await accessLogOf(sharing.url, patient, token, (entries) => entries.some((e) => e.resource === `QuestionnaireResponse?subject=Patient/${patient}` && e.actor.role === 'clinician'), 'the search in the access log');
  });
});
