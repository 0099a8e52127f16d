import { exportJWK, generateKeyPair } from 'jose';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelseIdClient, LocalHelseId, signingKeyFromJwk, StaticKeySource } from '@varde/helseid';
import { PmdPeer } from './pmd-peer';

const NATIONAL_ID = 'urn:oid:2.16.578.1.12.4.1.4.1';

function observation(nationalId: string, id: string, value = 95): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    identifier: [{ system: 'urn:test', value: id }],
    code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
    subject: { identifier: { system: NATIONAL_ID, value: nationalId } },
    effectiveDateTime: '2026-12-01T08:00:00Z',
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
}

describe('the PMD peer (a real FHIR server behind HelseID DPoP checks)', () => {
  let helseId: LocalHelseId;
  let peer: PmdPeer;
  let client: HelseIdClient;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    helseId = await LocalHelseId.start({ clients: [{ clientId: 'varde', publicJwks: [{ ...(await exportJWK(publicKey)), kid: 'k' }], scopes: ['pmd/write', 'pmd/read'] }] });
    peer = await PmdPeer.start({ helseId, writeScope: 'pmd/write', readScope: 'pmd/read' });
    const key = new StaticKeySource(signingKeyFromJwk(JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'k' }), 'key'));
    client = new HelseIdClient({ tokenEndpoint: helseId.tokenEndpoint, clientId: 'varde', scope: 'pmd/write pmd/read', key });
  }, 60_000);

  afterAll(async () => {
    await peer.stop();
    await helseId.stop();
  });

  const post = async (bundle: Bundle) => {
    const response = await client.fetch(peer.baseUrl, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
    return { status: response.status, body: (await response.json()) as Bundle };
  };
  const entry = (o: Observation) => ({ resource: o, request: { method: 'POST' as const, url: 'Observation', ifNoneExist: `identifier=urn:test|${o.identifier![0]!.value}` } });

  it('creates each Observation of a batch once, however often it is sent, and answers an invalid entry 400', async () => {
    const first = await post({ resourceType: 'Bundle', type: 'batch', entry: [entry(observation('15076500565', 'a')), entry(observation('15076500565', 'b'))] });
    expect(first.body.entry!.map((e) => e.response!.status)).toEqual(['201', '201']);
    const { code: _missing, ...invalid } = observation('15076500565', 'c'); // code is required (1..1)
    const again = await post({ resourceType: 'Bundle', type: 'batch', entry: [entry(observation('15076500565', 'a')), entry(invalid as Observation)] });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.entry!.map((e) => e.response!.status)).toEqual(['200', '400 Bad Request']);
    expect((await peer.observations()).map((o) => o.identifier![0]!.value).sort()).toEqual(['a', 'b']);
  });

  it('finds a patient’s Observations by patient.identifier, as PMD does', async () => {
    await peer.put(observation('01010750160', 'municipality-1', 97));
    const response = await client.fetch(`${peer.baseUrl}/Observation/_search`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `patient.identifier=${encodeURIComponent(`${NATIONAL_ID}|01010750160`)}` });
    const bundle = (await response.json()) as Bundle<Observation>;
    expect(bundle.entry!.map((e) => e.resource!.valueQuantity!.value)).toEqual([97]);
  });

  it('refuses a request without a DPoP-bound token, and fails as told', async () => {
    expect((await fetch(peer.baseUrl, { method: 'POST', body: '{}' })).status).toBe(401);
    peer.failNext({ kind: 'status', status: 503, retryAfterSeconds: 7 });
    const unavailable = await client.fetch(peer.baseUrl, { method: 'POST', body: '{}' });
    expect([unavailable.status, unavailable.headers.get('retry-after')]).toEqual([503, '7']);
    await peer.down();
    await expect(client.fetch(peer.baseUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
    await peer.up();
    expect((await post({ resourceType: 'Bundle', type: 'batch', entry: [] })).status).toBe(200);
  });
});
