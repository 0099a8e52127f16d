import { integrationEventTypes, sharingV1Events } from '@varde/contracts';
import { enrolPatient, eventually, freshSchema, startTestIssuer, type ServiceProcess, type TestIssuer, auditReasonFor } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPathwaysAndSharing } from './sharing-fixtures';

const databaseUrl = inject('databaseUrl');
const sharingSchema = freshSchema('sharing_consent');
const busSchema = freshSchema('bus');

const HPR = 'urn:oid:2.16.578.1.12.4.1.4.4';
const ORGNR = 'urn:oid:2.16.578.1.12.4.1.4.101';
// From services/sharing/config/organisations.json (the shipped example directory).
const HOME_CARE = '910000012';
const HEALTH_TRUST = '910000039';
const OTHER_UNIT = '910000047';

let issuer: TestIssuer;
let pathways: ServiceProcess;
let sharing: ServiceProcess;
let db: pg.Pool;

type Json = Record<string, unknown>;
const request = async (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${sharing.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...auditReasonFor(token), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => undefined)) as Json };
};
const consent = (patientId: string, overrides: Json = {}, provision: Json = {}): Json => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: `Patient/${patientId}` },
  dateTime: '2026-12-06T08:00:00+01:00',
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
  provision: { type: 'permit', actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { identifier: { system: ORGNR, value: HOME_CARE } } }], ...provision },
  ...overrides,
});
const block = (patientId: string, hpr: string): Json =>
  consent(patientId, { policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] } }, {
    type: 'deny',
    actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] }, reference: { identifier: { system: HPR, value: hpr }, display: 'Lege Blokkert' } }],
  });
const consentEvents = async (patientId: string) => {
  const { rows } = await db.query<{ payload: Buffer }>(
    `SELECT payload FROM ${busSchema}.messages WHERE topic = 'varde.sharing.v1' AND type = 'varde.sharing.v1.ConsentChanged' AND partition_key = $1 ORDER BY position`,
    [patientId],
  );
  return rows.map((r) => integrationEventTypes['varde.sharing.v1.ConsentChanged'].decode(r.payload));
};
const eventCount = async () => Number((await db.query(`SELECT count(*) FROM ${sharingSchema}.emt_messages WHERE message_type LIKE 'Consent%'`)).rows[0].count);

beforeAll(async () => {
  issuer = await startTestIssuer();
  ({ pathways, sharing } = await startPathwaysAndSharing({ DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, BUS_SCHEMA: busSchema }, sharingSchema));
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
});

afterAll(async () => {
  await sharing?.stop();
  await pathways?.stop();
  await Promise.allSettled([db?.end(), issuer?.close()]);
});

describe('consents and blocks as FHIR Consent', () => {
  it('lets the patient give a consent, read it, and withdraw it; each change is published as ConsentChanged', async () => {
    const patientId = await enrolPatient(pathways.url, await issuer.token('clinician'));
    const token = await issuer.token('patient', { patientId, subject: 'patient-self' });

    const created = await request('POST', '/fhir/Consent', token, consent(patientId, {}, { class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }] }));
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect(created.body).toMatchObject({ resourceType: 'Consent', id, status: 'active', meta: { versionId: '1' }, patient: { reference: `Patient/${patientId}` } });
    expect(created.headers.get('etag')).toBe('W/"1"');

    const read = await request('GET', `/fhir/Consent/${id}`, token);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const withdrawn = await request('PUT', `/fhir/Consent/${id}`, token, { ...consent(patientId), id, status: 'inactive' }, { 'if-match': 'W/"1"' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'inactive', meta: { versionId: '2' } });
    // A change sent on the version read before the withdrawal is a 412 naming the version, as in forms and measurements.
    const stale = await request('PUT', `/fhir/Consent/${id}`, token, { ...consent(patientId), id }, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(JSON.stringify(stale.body)).toContain(`If-Match: Consent/${id} is at version 2, not 1`);
    expect((await request('GET', `/fhir/Consent/${id}`, token)).body).toMatchObject({ status: 'inactive', meta: { versionId: '2' } });

    const search = await request('GET', `/fhir/Consent?patient=Patient/${patientId}`, token);
    expect(search.status).toBe(200);
    expect(search.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ resource: { id, status: 'inactive' } }] });

    const published = await eventually(async () => {
      const events = await consentEvents(patientId);
      return events.length === 2 ? events : undefined;
    }, 'two ConsentChanged on the bus');
    expect(published[0]).toMatchObject({
      consentId: id,
      patientId,
      version: 1,
      state: sharingV1Events.ConsentState.CONSENT_STATE_ACTIVE,
      provision: sharingV1Events.ConsentProvision.CONSENT_PROVISION_PERMIT,
      parties: [{ kind: sharingV1Events.ConsentPartyKind.CONSENT_PARTY_KIND_MUNICIPALITY, system: ORGNR, value: HOME_CARE, display: 'Eksempel kommune hjemmetjenesten' }],
      categories: ['measurements'],
      includeNationalId: false,
      changedBy: { subject: 'patient-self', role: 'patient' },
    });
    expect(published[1]).toMatchObject({ consentId: id, version: 2, state: sharingV1Events.ConsentState.CONSENT_STATE_INACTIVE });
  });

  it('records a block against a named health professional, recorded by a clinician of the care team on the patient\'s behalf', async () => {
    const clinician = await issuer.token('clinician');
    const patientId = await enrolPatient(pathways.url, clinician);
    const created = await request('POST', '/fhir/Consent', clinician, block(patientId, '9144889'));
    expect(created.status).toBe(201);
    const [event] = await eventually(async () => {
      const events = await consentEvents(patientId);
      return events.length === 1 ? events : undefined;
    }, 'the block on the bus');
    expect(event).toMatchObject({
      provision: sharingV1Events.ConsentProvision.CONSENT_PROVISION_DENY,
      parties: [{ kind: sharingV1Events.ConsentPartyKind.CONSENT_PARTY_KIND_PRACTITIONER, system: HPR, value: '9144889', display: 'Lege Blokkert' }],
      changedBy: { role: 'clinician' },
    });
    // A clinician of another team may neither record nor read the patient's consents; the same 403 as for nobody's patient.
    const other = await issuer.token('clinician', { careTeams: ['heart-team'] });
    expect((await request('POST', '/fhir/Consent', other, block(patientId, '9144889'))).status).toBe(403);
    expect((await request('GET', `/fhir/Consent?patient=${patientId}`, other)).status).toBe(403);
    // An auditor reads it, and the read is in the patient's access log with the auditor's stated reason.
    const auditor = await request('GET', `/fhir/Consent?patient=${patientId}`, await issuer.token('auditor', { subject: 'auditor-1' }));
    expect(auditor.status).toBe(200);
    const log = await request('GET', `/api/patients/${patientId}/access-log`, await issuer.token('patient', { patientId }));
    expect(log.body['entries']).toEqual(expect.arrayContaining([expect.objectContaining({ actor: expect.objectContaining({ subject: 'auditor-1' }), purpose: 'consents', resource: `Consent?patient=${patientId}`, reason: 'integration test of the audit trail' })]));
  });

  it('accepts a permit for another health trust, for named categories, with the national id, for a period', async () => {
    const patientId = await enrolPatient(pathways.url, await issuer.token('clinician'));
    const token = await issuer.token('patient', { patientId });
    const created = await request('POST', '/fhir/Consent', token, consent(patientId, {
      extension: [{ url: 'https://varde.no/fhir/StructureDefinition/consent-include-national-id', valueBoolean: true }],
    }, {
      actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { identifier: { system: ORGNR, value: HEALTH_TRUST } } }],
      period: { start: '2026-12-01', end: '2027-12-01' },
      class: [{ system: 'https://varde.no/fhir/CodeSystem/data-category', code: 'triage' }, { system: 'http://hl7.org/fhir/resource-types', code: 'QuestionnaireResponse' }],
    }));
    expect(created.status).toBe(201);
    const [event] = await eventually(async () => {
      const events = await consentEvents(patientId);
      return events.length === 1 ? events : undefined;
    }, 'the permit on the bus');
    expect(event).toMatchObject({
      parties: [{ kind: sharingV1Events.ConsentPartyKind.CONSENT_PARTY_KIND_HEALTH_TRUST, value: HEALTH_TRUST }],
      categories: ['triage', 'forms'],
      includeNationalId: true,
      periodStart: new Date('2026-12-01T00:00:00.000Z'),
      periodEnd: new Date('2027-12-01T00:00:00.000Z'),
    });
  });
});

describe('bad consents are refused with the field named, and nothing is written', () => {
  it('refuses what R4 forbids (400) and what Varde cannot act on (422)', async () => {
    const patientId = await enrolPatient(pathways.url, await issuer.token('clinician'));
    const token = await issuer.token('patient', { patientId });
    const before = await eventCount();
    const cases: Array<[Json, number, string]> = [
      [{ ...consent(patientId), status: 'given' }, 400, 'Consent.status'],
      [{ ...consent(patientId), scope: undefined }, 400, 'Consent.scope'],
      [{ ...consent(patientId), unknownElement: 1 }, 400, 'Consent.unknownElement'],
      [consent(patientId, {}, { actor: [{ role: { text: 'x' }, reference: { identifier: { system: ORGNR, value: '910000055' } } }] }), 422, 'Consent.provision.actor[0].reference.identifier.value'],
      [consent(patientId, {}, { actor: [{ role: { text: 'x' }, reference: { identifier: { system: ORGNR, value: OTHER_UNIT } } }] }), 422, 'Consent.provision.actor[0].reference.identifier.value'],
      [consent(patientId, {}, { actor: [{ role: { text: 'x' }, reference: { identifier: { system: HPR, value: '9144889' } } }] }), 422, 'Consent.provision.actor[0].reference.identifier'],
      [consent(patientId, {}, { actor: [] }), 422, 'Consent.provision.actor'],
      [consent(patientId, {}, { type: undefined }), 422, 'Consent.provision.type'],
      [consent(patientId, {}, { class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Medication' }] }), 422, 'Consent.provision.class[0]'],
      [{ ...consent(patientId), patient: undefined }, 422, 'Consent.patient'],
      [{ ...consent(patientId), status: 'inactive' }, 422, 'Consent.status'],
    ];
    for (const [body, status, field] of cases) {
      const answer = await request('POST', '/fhir/Consent', token, body);
      expect({ field, status: answer.status }).toEqual({ field, status });
      const issues = (answer.body['issue'] as Array<{ expression?: string[]; diagnostics: string }>) ?? [];
      expect(issues.some((i) => i.expression?.some((e) => e.startsWith(field)))).toBe(true);
    }
    // Withdrawing a consent that was never given: an unknown id.
    const unknown = await request('PUT', '/fhir/Consent/7d0b3f4e-1111-4222-8333-944455556666', token, { ...consent(patientId), status: 'inactive' });
    expect(unknown.status).toBe(422);
    expect(await eventCount()).toBe(before);
  });

  it('refuses another patient\'s consent and an unauthenticated call', async () => {
    const patientId = await enrolPatient(pathways.url, await issuer.token('clinician'));
    const stranger = await issuer.token('patient', { patientId: '2b1c8f0e-0000-4000-8000-000000000001' });
    expect((await request('POST', '/fhir/Consent', stranger, consent(patientId))).status).toBe(403);
    expect((await request('POST', '/fhir/Consent', undefined, consent(patientId))).status).toBe(401);
    expect((await request('GET', `/fhir/Consent?patient=${patientId}`, stranger)).status).toBe(403);
  });
});

describe("sharing's CapabilityStatement", () => {
  it('lists Consent and RelatedPerson with the interactions sharing serves, without a token (R4 clients read it first)', async () => {
    const { status, body } = await request('GET', '/fhir/metadata', undefined);
    expect(status).toBe(200);
    const resources = ((body['rest'] as Json[])[0]!['resource'] as Json[]).map((r) => ({
      type: r['type'],
      interactions: ((r['interaction'] as Json[] | undefined) ?? []).map((i) => i['code']).sort(),
      searchParams: ((r['searchParam'] as Json[] | undefined) ?? []).map((p) => p['name']).sort(),
    }));
    expect(resources).toEqual(
      expect.arrayContaining([
        { type: 'Consent', interactions: ['create', 'read', 'search-type', 'update'], searchParams: ['patient'] },
        { type: 'RelatedPerson', interactions: expect.arrayContaining(['create']), searchParams: [] },
        { type: 'Organization', interactions: ['search-type'], searchParams: ['_count', 'identifier', 'name', 'type'] },
      ]),
    );
  });
});

describe('the organisation directory as FHIR Organization (what a patient chooses by name)', () => {
  const names = (body: Json): string[] => ((body['entry'] as Json[] | undefined) ?? []).map((e) => (e['resource'] as Json)['name'] as string);
  let patientToken: string;
  beforeAll(async () => {
    patientToken = await issuer.token('patient', { patientId: await enrolPatient(pathways.url, await issuer.token('clinician')) });
  });

  it('finds organisations by the start of the name or anywhere in it, case and accents ignored, by kind and by number', async () => {
    const byName = await request('GET', '/fhir/Organization?name=EKSEMPEL%20LEGE', patientToken);
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const entry = (byName.body['entry'] as Json[])[0]!;
    expect(entry['resource']).toEqual({ resourceType: 'Organization', id: '910000020', active: true, identifier: [{ system: ORGNR, value: '910000020' }], type: [{ coding: [{ system: 'https://varde.no/fhir/CodeSystem/organisation-kind', code: 'gp' }] }], name: 'Eksempel legesenter' });
    expect(entry['fullUrl']).toBe(`${sharing.url}/fhir/Organization/910000020`);
    expect(names((await request('GET', '/fhir/Organization?name:contains=hjemmetjenest', patientToken)).body)).toEqual(['Eksempel kommune hjemmetjenesten']);
    expect(names((await request('GET', '/fhir/Organization?name=hjemmetjenest', patientToken)).body)).toEqual([]);
    const receivers = (await request('GET', '/fhir/Organization?type=municipality,gp', patientToken)).body;
    expect(names(receivers)).toEqual(['Eksempel kommune hjemmetjenesten', 'Eksempel legesenter']);
    expect(names((await request('GET', `/fhir/Organization?identifier=${encodeURIComponent(`${ORGNR}|${HEALTH_TRUST}`)}`, patientToken)).body)).toEqual(['Eksempel helseforetak HF']);
    const page = (await request('GET', '/fhir/Organization?_count=2', patientToken)).body;
    expect(page['total']).toBe(6);
    expect(names(page)).toHaveLength(2);
  });

  it('refuses a bad search naming the parameter, an unknown one unless lenient, and no token', async () => {
    for (const [query, field] of [['type=hospital', 'type'], ['identifier=123', 'identifier'], ['_count=1000', '_count'], ['name=', 'name'], ['colour=red', 'colour']]) {
      const refused = await request('GET', `/fhir/Organization?${query}`, patientToken);
      expect(refused.status, query).toBe(400);
      expect(JSON.stringify(refused.body), query).toContain(field);
    }
    expect((await request('GET', '/fhir/Organization?colour=red', patientToken, undefined, { prefer: 'handling=lenient' })).status).toBe(200);
    expect((await request('GET', '/fhir/Organization', undefined)).status).toBe(401);
  });
});
