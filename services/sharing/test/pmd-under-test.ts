import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHelseId } from '@varde/helseid';
import { PmdPeer } from '@varde/testing';
import { exportJWK, generateKeyPair } from 'jose';

/** The hospital's organisation number in the PMD tests. */
export const HOSPITAL = '974589095';
/** Organisation numbers as FHIR identifier system. */
export const ORGNR = 'urn:oid:2.16.578.1.12.4.1.4.101';

/** PMD (the FHIR peer) behind a local HelseID, and the sharing settings that connect to them. */
export type PmdUnderTest = Readonly<{ helseId: LocalHelseId; peer: PmdPeer; sharingEnv: Readonly<Record<string, string>>; stop: () => Promise<void> }>;

/** Starts the local HelseID (one client, its key in a file as in production) and the PMD peer. */
export async function startPmd(): Promise<PmdUnderTest> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const keyDir = mkdtempSync(join(tmpdir(), 'pmd-key-'));
  const keyFile = join(keyDir, 'client.jwk.json');
  writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'varde-pmd-1', alg: 'ES256' }));
  const helseId = await LocalHelseId.start({ clients: [{ clientId: 'varde-pmd', publicJwks: [{ ...(await exportJWK(publicKey)), kid: 'varde-pmd-1', alg: 'ES256' }], scopes: ['nhn:pmd/write', 'nhn:pmd/read'] }] });
  const peer = await PmdPeer.start({ helseId, writeScope: 'nhn:pmd/write', readScope: 'nhn:pmd/read' });
  return {
    helseId,
    peer,
    sharingEnv: {
      PMD_BASE_URL: peer.baseUrl,
      PMD_ORGANISATION_NUMBER: HOSPITAL,
      PMD_SCOPE: 'nhn:pmd/write nhn:pmd/read',
      HELSEID_TOKEN_ENDPOINT: helseId.tokenEndpoint,
      HELSEID_CLIENT_ID: 'varde-pmd',
      HELSEID_CLIENT_JWK_FILE: keyFile,
      PMD_SEND_INTERVAL_MS: '200',
    },
    stop: async () => {
      await Promise.allSettled([peer.stop(), helseId.stop()]);
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

/** An HTTP call with a bearer token: the status and the JSON body. */
export async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> };
}

/** A consent permitting the municipality's home care to receive the patient's data (all categories unless `classes`). */
export function homeCareConsent(patientId: string, status = 'active', classes?: readonly { system: string; code: string }[]): Record<string, unknown> {
  return {
    resourceType: 'Consent',
    status,
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${patientId}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { identifier: { system: ORGNR, value: '910000012' } } }],
      ...(classes ? { class: classes } : {}),
    },
  };
}

/** One strategy figure (GET /api/figures, as an auditor) for today and tomorrow (UTC), as `{ group: value }`. */
export async function figureToday(sharingUrl: string, auditorToken: string, name: string): Promise<Record<string, number | null>> {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const answer = await call(sharingUrl, 'GET', `/api/figures?from=${day(0)}T00:00:00Z&to=${day(2)}T00:00:00Z`, auditorToken);
  if (answer.status !== 200) throw new Error(`GET /api/figures answered ${answer.status}`);
  const figure = (answer.body.figures as { name: string; values: { group: string; value: number | null }[] }[]).find((f) => f.name === name);
  if (!figure) throw new Error(`no figure ${name}`);
  return Object.fromEntries(figure.values.map((v) => [v.group, v.value]));
}
