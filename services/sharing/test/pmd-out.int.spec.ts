import type { Observation } from '@medplum/fhirtypes';
import type { LocalHelseId } from '@varde/helseid';
import { enrolPatient, eventually, syntheticNationalId, startServiceStack, startTestIssuer, type PmdPeer, type ServiceStack, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, figureToday, homeCareConsent, HOSPITAL, ORGNR, startPmd, type PmdUnderTest } from './pmd-under-test';

const databaseUrl = inject('databaseUrl');
const kafkaBrokers = inject('kafkaBrokers');

let issuer: TestIssuer;
let pmd: PmdUnderTest;
let helseId: LocalHelseId;
let peer: PmdPeer;
let stack: ServiceStack;
let db: pg.Pool;

const consent = (patientId: string, status = 'active') => homeCareConsent(patientId, status, [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }]);
let second = 0;
const spo2 = (patientId: string, value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: new Date(Date.now() - 600_000 + ++second * 1000).toISOString(),
  valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
});

/** A patient enrolled (pathways knows their national id) who has consented to share with home care. */
async function consentedPatient(): Promise<{ patientId: string; nationalId: string; token: string; consentId: string }> {
  const nationalId = syntheticNationalId();
  const patientId = await enrolPatient(stack.services.pathways!.url, await issuer.token('clinician'), nationalId);
  const token = await issuer.token('patient', { patientId });
  const given = await call(stack.services.sharing!.url, 'POST', '/fhir/Consent', token, consent(patientId));
  expect(given.status).toBe(201);
  return { patientId, nationalId, token, consentId: String(given.body.id) };
}
const measure = async (patientId: string, token: string, value: number): Promise<string> => {
  const recorded = await call(stack.services.measurements!.url, 'POST', '/fhir/Observation', token, spo2(patientId, value));
  expect(recorded.status).toBe(201);
  return String(recorded.body.id);
};
const atPeer = async (nationalId: string): Promise<Observation[]> => (await peer.observations()).filter((o) => o.subject?.identifier?.value === nationalId);
const row = async (measurementId: string) =>
  (await db.query<{ status: string; attempts: number; last_error: string | null }>(`SELECT status, attempts, last_error FROM ${stack.schemas.sharing}.pmd_outbox WHERE measurement_id = $1`, [measurementId])).rows[0];

beforeAll(async () => {
  issuer = await startTestIssuer();
  pmd = await startPmd();
  ({ helseId, peer } = pmd);
  stack = await startServiceStack(['pathways', 'sharing', 'measurements'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, KAFKA_BROKERS: kafkaBrokers }, {
    sharing: { ...pmd.sharingEnv, PMD_RETRY_BASE_MS: '200', PMD_RETRY_MAX_MS: '1000', PMD_MAX_ATTEMPTS: '1000' },
  });
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.allSettled([pmd?.stop(), issuer?.close(), db?.end()]);
});

describe('PMD out: measurements of consenting patients reach Pasientens måledata', () => {
  it('sends a consenting patient’s measurement once, as a vital-signs Observation naming the patient by national id and the hospital as performer', async () => {
    const { patientId, nationalId, token } = await consentedPatient();
    const measurementId = await measure(patientId, token, 93);
    const [observation] = await eventually(async () => ((await atPeer(nationalId)).length > 0 ? atPeer(nationalId) : undefined), 'the measurement at PMD');
    expect(observation).toMatchObject({
      identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${measurementId}` }],
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
      subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: nationalId } },
      performer: [{ identifier: { system: ORGNR, value: HOSPITAL } }],
      valueQuantity: { value: 93, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
    expect(await row(measurementId)).toMatchObject({ status: 'sent' });
    // The first measurement of this stack: the strategy figure counts exactly it.
    expect(await figureToday(stack.services.sharing!.url, await issuer.token('auditor'), 'measurements-sent-to-pmd')).toEqual({ all: 1 });
  });

  it('sends what was recorded since the latest enrolment started once a consent starts, each measurement once', async () => {
    const nationalId = syntheticNationalId();
    const clinician = await issuer.token('clinician');
    const patientId = await enrolPatient(stack.services.pathways!.url, clinician, nationalId);
    const token = await issuer.token('patient', { patientId });
    // A measurement of an earlier enrolment is not part of the back catalogue.
    const earlier = await measure(patientId, token, 80);
    await eventually(async () => ((await row(earlier))?.status === 'held' ? true : undefined), 'the earlier measurement held');
    expect((await call(stack.services.pathways!.url, 'POST', `/api/enrolments/${patientId}/discharge`, clinician, { reason: 'completed' })).status).toBe(200);
    expect(await enrolPatient(stack.services.pathways!.url, clinician, nationalId)).toBe(patientId);
    const readmitted = `SELECT 1 FROM ${stack.schemas.sharing}.pmd_in_patients p JOIN ${stack.schemas.sharing}.pmd_outbox o ON o.patient_id = p.patient_id
                        WHERE o.measurement_id = $1 AND p.enrolled AND p.enrolled_since > (o.observation->>'issued')::timestamptz`;
    await eventually(async () => ((await db.query(readmitted, [earlier])).rowCount ? true : undefined), 'the readmission seen by sharing');
    const before = [await measure(patientId, token, 81), await measure(patientId, token, 82)];
    await eventually(async () => ((await Promise.all(before.map(row))).every((r) => r?.status === 'held') ? true : undefined), 'held while no consent covers PMD');
    expect(await atPeer(nationalId)).toEqual([]);

    expect((await call(stack.services.sharing!.url, 'POST', '/fhir/Consent', token, consent(patientId))).status).toBe(201);
    await eventually(async () => ((await atPeer(nationalId)).length === 2 ? true : undefined), 'the back catalogue at PMD');
    // Another consent starts nothing again; what comes later goes as usual.
    expect((await call(stack.services.sharing!.url, 'POST', '/fhir/Consent', token, consent(patientId))).status).toBe(201);
    const later = await measure(patientId, token, 83);
    await eventually(async () => ((await row(later))?.status === 'sent' ? true : undefined), 'the later measurement sent');
    expect((await atPeer(nationalId)).map((o) => o.valueQuantity?.value).sort()).toEqual([81, 82, 83]);
    expect((await row(earlier))?.status).toBe('held');
    for (const id of before) expect(await db.query(`SELECT version, sent_version, status FROM ${stack.schemas.sharing}.pmd_outbox WHERE measurement_id = $1`, [id]).then((r) => r.rows[0])).toEqual({ version: 1, sent_version: 1, status: 'sent' });
  });

  it('makes no duplicate when PMD stored a batch but the answer was lost, and sends corrections and entered-in-error on', async () => {
    const { patientId, nationalId, token } = await consentedPatient();
    peer.failNext({ kind: 'lose-answer' });
    const measurementId = await measure(patientId, token, 91);
    await eventually(async () => ((await row(measurementId))?.status === 'sent' ? true : undefined), 'the measurement acknowledged after the resend');
    expect(await atPeer(nationalId)).toHaveLength(1);

    const clinician = await issuer.token('clinician');
    const amended = await call(stack.services.measurements!.url, 'PUT', `/fhir/Observation/${measurementId}`, clinician, { ...spo2(patientId, 92), status: 'amended', note: [{ text: 'misread' }], effectiveDateTime: undefined });
    expect(amended.status).toBe(200);
    const [corrected] = await eventually(async () => {
      const found = await atPeer(nationalId);
      return found[0]?.status === 'amended' ? found : undefined;
    }, 'the correction at PMD');
    expect(corrected).toMatchObject({ status: 'amended', valueQuantity: { value: 92 } });
    const wrong = await call(stack.services.measurements!.url, 'PUT', `/fhir/Observation/${measurementId}`, clinician, { resourceType: 'Observation', status: 'entered-in-error', code: spo2(patientId, 0).code, note: [{ text: 'wrong patient' }] });
    expect(wrong.status).toBe(200);
    await eventually(async () => ((await atPeer(nationalId))[0]?.status === 'entered-in-error' ? true : undefined), 'entered-in-error at PMD');
    expect(await atPeer(nationalId)).toHaveLength(1);
  });

  it('keeps measurements while PMD is down and delivers each once when it is back', async () => {
    const { patientId, nationalId, token } = await consentedPatient();
    await peer.down();
    try {
      const ids = [await measure(patientId, token, 94), await measure(patientId, token, 95), await measure(patientId, token, 96)];
      // Several tries have failed before PMD comes back.
      await eventually(async () => ((await row(ids[0]!))!.attempts >= 3 ? true : undefined), 'failed tries while PMD is down');
      await peer.up();
      await eventually(async () => ((await atPeer(nationalId)).length === 3 ? true : undefined), 'all three at PMD');
      expect((await atPeer(nationalId)).map((o) => o.valueQuantity?.value).sort()).toEqual([94, 95, 96]);
    } finally {
      await peer.up();
    }
  });

  it('honours Retry-After on 429 and 503, and resends after a malformed Bundle', async () => {
    const { patientId, nationalId, token } = await consentedPatient();
    const before = peer.arrivals.length;
    peer.failNext({ kind: 'status', status: 503, retryAfterSeconds: 2 }, { kind: 'status', status: 429, retryAfterSeconds: 1 }, { kind: 'malformed' });
    const measurementId = await measure(patientId, token, 90);
    await eventually(async () => ((await row(measurementId))?.status === 'sent' ? true : undefined), 'the measurement sent after the faults');
    const arrivals = peer.arrivals.slice(before);
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(2_000);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(1_000);
    expect(await atPeer(nationalId)).toHaveLength(1);
  });

  it('dead-letters an entry PMD rejects with the reason, and sends the rest of its batch', async () => {
    const { patientId, nationalId, token } = await consentedPatient();
    peer.refuseEntries((r) => ((r as Observation).valueQuantity?.value === 77 ? 'PMD does not take 77' : undefined));
    try {
      const refused = await measure(patientId, token, 77);
      const accepted = await measure(patientId, token, 97);
      await eventually(async () => ((await row(refused))?.status === 'dead' && (await row(accepted))?.status === 'sent' ? true : undefined), 'one dead, one sent');
      expect((await row(refused))!.last_error).toContain('PMD does not take 77');
      expect((await atPeer(nationalId)).map((o) => o.valueQuantity?.value)).toEqual([97]);
    } finally {
      peer.refuseEntries(() => undefined);
    }
  });

  it('renews a refused token once; a second refusal is an operator alert and the batch waits', async () => {
    const { patientId, nationalId, token } = await consentedPatient();
    const issued = helseId.counts.tokensIssued;
    helseId.revokeIssuedTokens();
    await measure(patientId, token, 88);
    await eventually(async () => ((await atPeer(nationalId)).length === 1 ? true : undefined), 'sent with a renewed token');
    expect(helseId.counts.tokensIssued).toBeGreaterThan(issued);

    peer.failNext({ kind: 'status', status: 401 }, { kind: 'status', status: 401 });
    const waiting = await measure(patientId, token, 89);
    await eventually(async () => ((await atPeer(nationalId)).length === 2 ? true : undefined), 'sent after the alert');
    expect(stack.services.sharing!.logs()).toContain('pmd-unauthorized');
    expect((await row(waiting))!.attempts).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${stack.services.sharing!.url}/metrics`)).text();
    expect(metrics).toMatch(/varde_pmd_auth_failures_total\{[^}]*\} [1-9]/);
  });

  it('stops sharing when the consent is withdrawn, including what was queued, and never shares without consent', async () => {
    const { patientId, nationalId, token, consentId } = await consentedPatient();
    await peer.down();
    let queued: string;
    try {
      queued = await measure(patientId, token, 86);
      await eventually(async () => ((await row(queued))?.status === 'pending' ? true : undefined), 'the measurement queued');
      const withdrawn = await call(stack.services.sharing!.url, 'PUT', `/fhir/Consent/${consentId}`, token, { ...consent(patientId, 'inactive'), id: consentId });
      expect(withdrawn.status).toBe(200);
      await eventually(async () => ((await row(queued))?.status === 'withheld' ? true : undefined), 'the queued measurement withheld');
    } finally {
      await peer.up();
    }
    const after = await measure(patientId, token, 87);
    // Consumed and not queued, only held for a consent to come: the consent is no longer in force.
    await eventually(async () => {
      const metrics = await (await fetch(`${stack.services.sharing!.url}/metrics`)).text();
      return /varde_pmd_measurements_not_shared_total\{[^}]*reason="not-consented"[^}]*\} [1-9]/.test(metrics) && (await row(after))?.status === 'held' ? true : undefined;
    }, 'the later measurement not queued');
    expect(await atPeer(nationalId)).toEqual([]);
  });
});
