import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { syntheticNationalId } from '@varde/testing';
import { startPathways, type PathwaysUnderTest } from './pathways-under-test';
import heartFailureBundle from '../pathways/heart-failure.json';

const databaseUrl = inject('databaseUrl');
type Json = Record<string, unknown>;
type Searchset = { total: number; entry: Array<{ resource: Json & { id: string; version?: string; status: string; meta?: { tag: Array<{ code: string }> } } }> };
type Outcome = { issue: Array<{ diagnostics?: string; expression?: string[] }> };

/** A transaction Bundle for a pathway at `url`, built from the shipped heart-failure Bundle with `change` applied to its PlanDefinition. */
function pathwayBundle(url: string, change: (plan: Json) => Json = (p) => p, activities?: (a: Json[]) => Json[]): Json {
  const resources = (heartFailureBundle.entry as Array<{ resource: Json }>).map((e) => structuredClone(e.resource));
  const plan = change({ ...resources[0]!, url });
  const rest = resources.slice(1);
  const ads = rest.filter((r) => r['resourceType'] === 'ActivityDefinition');
  const others = rest.filter((r) => r['resourceType'] !== 'ActivityDefinition');
  return { resourceType: 'Bundle', type: 'transaction', entry: [plan, ...(activities ? activities(ads) : ads), ...others].map((resource) => ({ resource, request: { method: 'POST', url: resource['resourceType'] } })) };
}
const withoutVersion = (plan: Json): Json => {
  const { version: _v, ...rest } = plan;
  return rest;
};

describe('pathway definitions as data (PlanDefinition)', () => {
  let t: PathwaysUnderTest;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways_definitions', {}, true);
  });
  afterAll(async () => {
    await t?.stop();
  });

  const designer = () => t.issuer.token('pathway-designer');
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const headers = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) };
    const response = await fetch(`${t.pathways.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const definitionEvents = async (): Promise<number> => Number((await t.db.query(`SELECT count(*) FROM ${t.schema}.emt_messages WHERE stream_id = 'pathway-definitions'`)).rows[0].count);
  const enrol = async (body: Json, teams = ['copd-care-team', 'hjertesvikt-care-team']) => {
    const response = await fetch(`${t.pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.issuer.token('clinician', { careTeams: teams })}` },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, ...body }),
    });
    return { status: response.status, body: (await response.json()) as Json & { patientId: string; errors?: Array<{ field: string; message: string }> } };
  };

  it('ships COPD and heart failure as data, published at first start, each version content-hashed', async () => {
    const { body } = await call('GET', '/fhir/PlanDefinition?status=active', await designer());
    const found = body as unknown as Searchset;
    expect(found.entry.map((e) => e.resource.id).sort()).toEqual(['copd-1', 'heart-failure-1']);
    for (const entry of found.entry) expect(entry.resource.meta?.tag[0]?.code).toMatch(/^sha256:[0-9a-f]{64}$/);
    const byUrl = (await call('GET', `/fhir/PlanDefinition?url=${encodeURIComponent('https://varde.no/fhir/PlanDefinition/heart-failure')}`, await t.issuer.token('clinician'))).body as unknown as Searchset;
    expect(byUrl.entry.map((e) => [e.resource.id, e.resource.status, e.resource.title])).toEqual([['heart-failure-1', 'active', 'Hjertesvikt — digital hjemmeoppfølging']]);
  });

  it('speaks FHIR JSON on every FHIR route (application/fhir+json; XML is a 406) and gives a published version its ETag', async () => {
    const token = await designer();
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.pathways.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    const read = await get('/fhir/PlanDefinition/copd-1');
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toContain('application/fhir+json');
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect((await get('/fhir/PlanDefinition?status=active&_format=json')).status).toBe(200);
    for (const path of ['/fhir/PlanDefinition/copd-1', '/fhir/PlanDefinition?status=active']) expect((await get(path, { accept: 'application/fhir+xml' })).status, path).toBe(406);
    // A patient's own CarePlan and Tasks: past the access check, the format is refused.
    const patientId = '00000000-0000-4000-8000-000000000000';
    const own = await t.issuer.token('patient', { patientId });
    for (const path of [`/fhir/CarePlan?patient=${patientId}`, `/fhir/Task?patient=${patientId}`]) {
      const response = await fetch(`${t.pathways.url}${path}`, { headers: { authorization: `Bearer ${own}`, accept: 'application/fhir+xml' } });
      expect(response.status, path).toBe(406);
    }
    expect((await get('/fhir/PlanDefinition?status=active&_format=xml')).status).toBe(406);
  });

  it('enrols on a pathway by id, by PlanDefinition url with a version, or by PlanDefinition id; the pathway brings its care team', async () => {
    const byId = await enrol({ pathway: 'heart-failure' });
    expect(byId.status).toBe(201);
    expect(byId.body.careTeam).toBe('hjertesvikt-care-team');
    expect((await enrol({ pathway: 'https://varde.no/fhir/PlanDefinition/heart-failure', version: 1 })).status).toBe(201);
    expect((await enrol({ pathway: 'heart-failure-1' })).status).toBe(201);
    const noSuchVersion = await enrol({ pathway: 'heart-failure', version: 9 });
    expect(noSuchVersion.status).toBe(400);
    expect(noSuchVersion.body.errors).toContainEqual({ field: 'version', message: 'pathway "heart-failure" has no published version 9' });
  });

  it('imports a transaction Bundle in one call; a published version never changes; new content is the next version; a retired version takes no enrolments', async () => {
    const url = 'https://varde.no/fhir/PlanDefinition/heart-failure-ahus';
    const imported = await call('POST', '/fhir/PlanDefinition/$import', await designer(), pathwayBundle(url, (p) => ({ ...p, title: 'Hjertesvikt — Ahus', version: '1' })));
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
    const first = (imported.body as { entry: Array<{ response: { status: string; location?: string } }> }).entry[0]!.response;
    expect(first).toMatchObject({ status: '201 Created', location: 'PlanDefinition/heart-failure-ahus-1' });

    const before = await definitionEvents();
    const again = await call('POST', '/fhir/PlanDefinition/$import', await designer(), pathwayBundle(url, (p) => ({ ...p, title: 'Hjertesvikt — Ahus, endret', version: '1' })));
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain(`version 1 of ${url} is already published`);
    expect(await definitionEvents()).toBe(before);

    const second = await call('POST', '/fhir/PlanDefinition/$import', await designer(), pathwayBundle(url, (p) => withoutVersion({ ...p, title: 'Hjertesvikt — Ahus v2' })));
    expect(second.status).toBe(200);
    expect(((second.body as { entry: Array<{ resource?: { version: string } }> }).entry[0]!.resource)?.version).toBe('2');

    expect((await call('POST', '/fhir/PlanDefinition/heart-failure-ahus-1/$retire', await designer())).body).toMatchObject({ status: 'retired' });
    const onRetired = await enrol({ pathway: 'heart-failure-ahus', version: 1 });
    expect(onRetired.status).toBe(400);
    expect(onRetired.body.errors).toContainEqual({ field: 'version', message: expect.stringContaining('is retired') });
    const onDefault = await enrol({ pathway: 'heart-failure-ahus' });
    expect(onDefault.status).toBe(201);
    const retiredTwice = await call('POST', '/fhir/PlanDefinition/heart-failure-ahus-1/$retire', await designer());
    expect(retiredTwice.status).toBe(409);
  });

  it('saves a draft and publishes it as the next version; a clinician may not author pathways', async () => {
    const url = 'https://varde.no/fhir/PlanDefinition/copd-light';
    const plan = (pathwayBundle(url, (p) => ({ ...withoutVersion(p), status: 'draft', title: 'KOLS light' })).entry as Array<{ resource: Json }>).map((e) => e.resource);
    const contained = { ...plan[0]!, contained: plan.slice(1, 2).map((a) => ({ ...a, id: 'weight' })), action: [{ title: 'Weight', definitionCanonical: '#weight' }] };
    expect((await call('POST', '/fhir/PlanDefinition', await t.issuer.token('clinician'), contained)).status).toBe(403);
    const draft = await call('POST', '/fhir/PlanDefinition', await designer(), contained);
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ id: 'copd-light-draft', status: 'draft' });
    expect((await enrol({ pathway: 'copd-light' })).status).toBe(400);
    const published = await call('POST', '/fhir/PlanDefinition/copd-light-draft/$publish', await designer());
    expect(published.body).toMatchObject({ id: 'copd-light-1', status: 'active', version: '1' });
    expect((await enrol({ pathway: 'copd-light' }, ['hjertesvikt-care-team'])).status).toBe(201);
  });

  it.each([
    ['a rule set triage does not have', (p: Json) => ({ ...p, extension: (p['extension'] as Json[]).map((e) => (String(e['url']).endsWith('pathway-rule-set') ? { ...e, valueString: 'no-such-rules' } : e)) }), undefined, 'PlanDefinition.extension(pathway-rule-set)', 'rule set "no-such-rules" does not exist in triage'],
    ['a questionnaire that does not exist', (p: Json) => p, (a: Json[]) => a.map((x) => (String(x['url']).endsWith('hf-symptoms') ? { ...x, extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire', valueCanonical: 'https://varde.no/fhir/Questionnaire/nope|1' }] } : x)), 'ActivityDefinition(https://varde.no/fhir/ActivityDefinition/hf-symptoms|1).extension(sdc-questionnaire)', 'questionnaire https://varde.no/fhir/Questionnaire/nope|1 does not exist'],
    ['a Timing that can never fire', (p: Json) => p, (a: Json[]) => a.map((x, i) => (i === 0 ? { ...x, timingTiming: { repeat: { period: 0, periodUnit: 'd' } } } : x)), 'ActivityDefinition(https://varde.no/fhir/ActivityDefinition/hf-weight|1).timingTiming.repeat.period', 'can never fire'],
  ])('refuses a PlanDefinition with %s, naming the problem, changing nothing', async (_case, change, activities, expression, message) => {
    const before = await definitionEvents();
    const response = await call('POST', '/fhir/PlanDefinition/$import', await designer(), pathwayBundle('https://varde.no/fhir/PlanDefinition/refused', change, activities));
    expect(response.status).toBe(400);
    expect((response.body as unknown as Outcome).issue).toContainEqual(expect.objectContaining({ diagnostics: expect.stringContaining(message), expression: [expression] }));
    expect(await definitionEvents()).toBe(before);
  });

  it("shows a patient's enrolment as a FHIR CarePlan with its scheduled activities, also after a change of pathway", async () => {
    const { body } = await enrol({ pathway: 'copd' });
    const { patientId } = body;
    const changed = await fetch(`${t.pathways.url}/api/enrolments/${patientId}/change-pathway`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.issuer.token('clinician', { careTeams: ['copd-care-team'] })}` },
      body: JSON.stringify({ pathway: 'heart-failure', reason: 'diagnosis revised' }),
    });
    expect(changed.status).toBe(200);
    const read = async (token: string) => fetch(`${t.pathways.url}/fhir/CarePlan?patient=${patientId}`, { headers: { authorization: `Bearer ${token}` } });
    const bundle = (await (await read(await t.issuer.token('patient', { patientId }))).json()) as { entry: Array<{ resource: Json & { activity: Array<{ detail: Json }> } }> };
    const plan = bundle.entry[0]!.resource;
    expect(plan).toMatchObject({ resourceType: 'CarePlan', status: 'active', instantiatesCanonical: ['https://varde.no/fhir/PlanDefinition/heart-failure|1'], subject: { reference: `Patient/${patientId}` } });
    expect(plan.activity.map((a) => (a.detail['code'] as { coding: Array<{ code: string }> } | undefined)?.coding[0]?.code ?? 'questionnaire')).toEqual(['29463-7', '85354-9', '8867-4', 'questionnaire']);
    expect((await read(await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] }))).status).toBe(403);
    expect((await read(await t.issuer.token('patient', { patientId: '00000000-0000-4000-8000-000000000009' }))).status).toBe(403);
  });
});
