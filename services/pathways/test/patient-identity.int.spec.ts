import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pathwaysV1Service } from '@varde/contracts';
import { ForbiddenError, NotFoundError } from '@varde/core';
import { callGrpc, ClientCredentialsTokens } from '@varde/platform';
import { outboxEntriesOf, syntheticNationalId } from '@varde/testing';
import { startPathways, type PathwaysUnderTest } from './pathways-under-test';

const databaseUrl = inject('databaseUrl');

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
    const nationalId = syntheticNationalId();
    const enrolled = await fetch(`${t.pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.issuer.token('clinician')}` },
      body: JSON.stringify({ patient: { nationalId }, pathway: 'copd' }),
    });
    const { patientId } = (await enrolled.json()) as { patientId: string };

    const answer = await callGrpc(service().getPatientIdentity({ patientId, purpose: 'sharing-pmd' }, await sharing.metadata('pathways')), 'GetPatientIdentity');
    expect(answer).toEqual({ patientId, system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: nationalId });
    const logged = (await outboxEntriesOf(t.db, patientId, t.schema)).filter((e) => e.resource === `Patient/${patientId}.identifier`);
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
