import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pathwaysV1Service } from '@varde/contracts';
import { ForbiddenError, NotFoundError } from '@varde/core';
import { callGrpc, ClientCredentialsTokens } from '@varde/platform';
import { syntheticNationalId, type AccessLogView, auditReasonFor } from '@varde/testing';
import { loggedReads, startPathways, type PathwaysUnderTest } from './pathways-under-test';

const databaseUrl = inject('databaseUrl');

/** Enrols a new person on the COPD pathway (the default team); answers their national id and patient id. */
async function enrolNew(t: PathwaysUnderTest): Promise<{ nationalId: string; patientId: string }> {
  const nationalId = syntheticNationalId();
  const enrolled = await fetch(`${t.pathways.url}/api/enrolments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.issuer.token('clinician')}` },
    body: JSON.stringify({ patient: { nationalId }, pathway: 'copd' }),
  });
  expect(enrolled.status).toBe(201);
  return { nationalId, ...((await enrolled.json()) as { patientId: string }) };
}

describe('GetPatientIdentity: the national id, for the services allowed to share it', () => {
  let t: PathwaysUnderTest;
  let sharing: ClientCredentialsTokens;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways_identity', { NATIONAL_ID_READERS: 'varde-sharing' });
    sharing = new ClientCredentialsTokens({ tokenUrl: `${t.issuer.url}/token`, clientId: 'varde-sharing', audienceOf: (callee) => `varde-${callee}` });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const service = () => t.grpc.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');

  it('answers sharing with the national id and its system, and writes the read to the patient’s access log', async () => {
    const { nationalId, patientId } = await enrolNew(t);

    const answer = await callGrpc(service().getPatientIdentity({ patientId, purpose: 'sharing-pmd' }, await sharing.metadata('pathways')), 'GetPatientIdentity');
    expect(answer).toEqual({ patientId, system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: nationalId });
    const identityReads = (entries: readonly AccessLogView[]) => entries.filter((e) => e.resource === `Patient/${patientId}.identifier`);
    const logged = identityReads(await loggedReads(t, patientId, (entries) => identityReads(entries).length > 0));
    expect(logged).toMatchObject([{ purpose: 'sharing-pmd', actor: { subject: 'varde-sharing', role: 'system' } }]);

    // The table keeps the number sealed, never in clear.
    const { rows } = await t.db.query(`SELECT * FROM ${t.schema}.patient_identities WHERE patient_id = $1`, [patientId]);
    expect(JSON.stringify(rows)).not.toContain(nationalId);
  });

  it('refuses a service not named in NATIONAL_ID_READERS, and says NOT_FOUND for a patient it does not know', async () => {
    await expect(callGrpc(service().getPatientIdentity({ patientId: '00000000-0000-4000-8000-000000000001', purpose: 'x' }, await t.issuer.credentials.metadata('pathways')), 'GetPatientIdentity')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(callGrpc(service().getPatientIdentity({ patientId: '00000000-0000-4000-8000-000000000001', purpose: 'sharing-pmd' }, await sharing.metadata('pathways')), 'GetPatientIdentity')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('POST /api/enrolments/search: a clinician finds a patient by national id', () => {
  let t: PathwaysUnderTest;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways_search');
  });
  afterAll(async () => {
    await t?.stop();
  });

  const search = async (body: unknown, token: string) => {
    const response = await fetch(`${t.pathways.url}/api/enrolments/search`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...auditReasonFor(token) }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { matches?: unknown[]; errors?: Array<{ field: string; message: string }> } };
  };

  it('finds a patient of the clinician’s own team with the number masked, logs the read, and finds nothing on another team or for an unknown number', async () => {
    const { nationalId, patientId } = await enrolNew(t);

    const found = await search({ nationalId }, await t.issuer.token('clinician', { careTeams: ['copd-care-team'] }));
    expect(found).toEqual({ status: 200, body: { matches: [{ patientId, nationalIdMasked: `${nationalId.slice(0, 6)} *****`, pathwayId: 'copd', status: 'active', careTeamId: 'copd-care-team' }] } });
    expect(JSON.stringify(found.body)).not.toContain(nationalId.slice(6));
    const searches = (entries: readonly AccessLogView[], role: string) => entries.filter((e) => e.purpose === 'patient-search' && e.actor.role === role);
    const logged = searches(await loggedReads(t, patientId, (entries) => searches(entries, 'clinician').length > 0), 'clinician');
    expect(logged).toMatchObject([{ resource: `enrolments/${patientId}` }]);

    // Another team's clinician and a number never enrolled get the same empty answer; nothing is logged for them.
    expect(await search({ nationalId }, await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] }))).toEqual({ status: 200, body: { matches: [] } });
    expect(await search({ nationalId: syntheticNationalId() }, await t.issuer.token('clinician', { careTeams: ['copd-care-team'] }))).toEqual({ status: 200, body: { matches: [] } });
    // An auditor finds anyone; a patient may not search.
    expect((await search({ nationalId }, await t.issuer.token('auditor'))).body.matches).toHaveLength(1);
    // Once the auditor's search (made after theirs) is in the log, the clinicians' empty answers are known to have logged nothing.
    const after = await loggedReads(t, patientId, (entries) => searches(entries, 'auditor').length > 0);
    expect(searches(after, 'clinician')).toHaveLength(1);
    expect((await search({ nationalId }, await t.issuer.token('patient', { patientId }))).status).toBe(403);
  });

  it('refuses a number that is not one, naming the field and what is wrong', async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const bad = await search({ nationalId: '15076500564' }, clinician);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'nationalId', message: expect.stringContaining('check digits') })]);
    expect((await search({ nationalId: '1507' }, clinician)).body.errors).toEqual([expect.objectContaining({ field: 'nationalId', message: 'expected exactly 11 digits' })]);
    expect((await search({}, clinician)).body.errors).toEqual([expect.objectContaining({ field: 'nationalId' })]);
    expect((await search({ nationalId: '15076500565', name: 'Kari' }, clinician)).status).toBe(400);
  });
});
