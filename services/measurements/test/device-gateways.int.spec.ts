import { enrolPatient, freshSchema, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startMeasurementsStack } from './measurements-stack';

// Bodies are checked field by field with toMatchObject; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('measurements_gateways');
let issuer: TestIssuer;
let pathways: ServiceProcess;
let measurements: ServiceProcess;
let db: pg.Pool;
let clinician: string;
let sharing: ServiceProcess;
let seconds = 0;

const spo2 = (patientId: string, value = 95) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: new Date(Date.now() - 600_000 + ++seconds * 1000).toISOString(),
  valueQuantity: { value, system: 'http://unitsofmeasure.org', code: '%' },
  device: { reference: 'Device/oximeter-1' },
});

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${measurements.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as JsonBody };
}
const gateways = (patientId: string, gatewayId: string) => `/api/patients/${patientId}/device-gateways/${gatewayId}`;
const appended = async (): Promise<number> => Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);
const diagnostics = (outcome: JsonBody): string => outcome.issue.map((i: { diagnostics: string }) => i.diagnostics).join('\n');
const gateway = (subject: string) => issuer.token('system', { subject });

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  // Sharing decides clinicians' access (the policy decision point: blocks, emergency access).
  ({ pathways, sharing, measurements } = await startMeasurementsStack(databaseUrl, issuer.url, schema));
  clinician = await issuer.token('clinician');
});

afterAll(async () => {
  await Promise.allSettled([measurements?.stop(), pathways?.stop(), sharing?.stop()]);
  await db?.end();
  await issuer?.close();
});

describe('device gateways submit only for patients assigned to them', () => {
  it('refuses an unassigned gateway (403 naming Observation.subject, nothing written), accepts it once a clinician assigns it, and refuses it again after revocation', async () => {
    const patientId = await enrolPatient(pathways.url, clinician);
    const oximeterGateway = await gateway('gw-oximeters');

    const before = await appended();
    const refused = await call('POST', '/fhir/Observation', oximeterGateway, spo2(patientId));
    expect(refused.status).toBe(403);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(diagnostics(refused.body)).toBe('Observation.subject: gateway gw-oximeters is not assigned to this patient');
    expect(await appended()).toBe(before);

    const assigned = await call('PUT', gateways(patientId, 'gw-oximeters'), clinician);
    expect(assigned).toMatchObject({ status: 201, body: { patientId, gateways: ['gw-oximeters'] } });
    const afterAssign = await appended();
    expect(await call('PUT', gateways(patientId, 'gw-oximeters'), clinician)).toMatchObject({ status: 200, body: { gateways: ['gw-oximeters'] } });
    expect(await appended()).toBe(afterAssign);

    const accepted = await call('POST', '/fhir/Observation', oximeterGateway, spo2(patientId));
    expect(accepted.status).toBe(201);
    const { rows } = await db.query(`SELECT message_data FROM "${schema}".emt_messages WHERE stream_id = $1`, [`measurement-${accepted.body.id}`]);
    expect(rows[0].message_data.provenance).toMatchObject({ method: 'device', gateway: 'gw-oximeters' });
    // Assignment is per gateway: another gateway is still refused.
    expect((await call('POST', '/fhir/Observation', await gateway('gw-scales'), spo2(patientId))).status).toBe(403);

    expect(await call('DELETE', gateways(patientId, 'gw-oximeters'), clinician)).toMatchObject({ status: 200, body: { patientId, gateways: [] } });
    const afterRevoke = await appended();
    expect((await call('POST', '/fhir/Observation', oximeterGateway, spo2(patientId))).status).toBe(403);
    const again = await call('DELETE', gateways(patientId, 'gw-oximeters'), clinician);
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');
    expect(again.body.detail).toContain('gateway gw-oximeters is not assigned to this patient');
    expect(await appended()).toBe(afterRevoke);
  });

  it('leaves patients and clinicians unaffected: they submit without any gateway assignment', async () => {
    const patientId = await enrolPatient(pathways.url, clinician);
    expect((await call('POST', '/fhir/Observation', await issuer.token('patient', { patientId }), spo2(patientId, 96))).status).toBe(201);
    expect((await call('POST', '/fhir/Observation', clinician, spo2(patientId, 97))).status).toBe(201);
  });

  it('applies to Bundles: a batch entry for an unassigned patient fails alone, a transaction is refused whole', async () => {
    const [assignedPatient, otherPatient] = [await enrolPatient(pathways.url, clinician), await enrolPatient(pathways.url, clinician)];
    await call('PUT', gateways(assignedPatient, 'gw-bundles'), clinician);
    const bundleGateway = await gateway('gw-bundles');
    const bundle = (type: string, patients: string[]) => ({ resourceType: 'Bundle', type, entry: patients.map((p) => ({ resource: spo2(p), request: { method: 'POST', url: 'Observation' } })) });

    const before = await appended();
    const batch = await call('POST', '/fhir', bundleGateway, bundle('batch', [assignedPatient, otherPatient, assignedPatient]));
    expect(batch.body.entry.map((e: JsonBody) => e.response.status)).toEqual(['201 Created', '403 Forbidden', '201 Created']);
    expect(diagnostics(batch.body.entry[1].response.outcome)).toBe('Bundle.entry[1].resource.subject: gateway gw-bundles is not assigned to this patient');
    expect(await appended()).toBe(before + 2);

    const transaction = await call('POST', '/fhir', bundleGateway, bundle('transaction', [assignedPatient, otherPatient]));
    expect(transaction.status).toBe(403);
    expect(diagnostics(transaction.body)).toContain('Bundle.entry[1].resource.subject: gateway gw-bundles is not assigned to this patient');
    expect(await appended()).toBe(before + 2);
  });

  it("refuses a clinician of another care team to assign or revoke the patient's gateways (403, nothing written, the patient's gateway keeps working)", async () => {
    const patientId = await enrolPatient(pathways.url, clinician);
    expect((await call('PUT', gateways(patientId, 'gw-home'), clinician)).status).toBe(201);
    const stranger = await issuer.token('clinician', { careTeams: ['hjerte-ous'] });
    const before = await appended();
    const revoked = await call('DELETE', gateways(patientId, 'gw-home'), stranger);
    expect(revoked.status).toBe(403);
    expect(JSON.stringify(revoked.body)).not.toContain('copd-care-team');
    const rogue = await call('PUT', gateways(patientId, 'gw-rogue'), stranger);
    expect(rogue.status).toBe(403);
    expect(await appended()).toBe(before);
    expect((await call('POST', '/fhir/Observation', await gateway('gw-home'), spo2(patientId, 88))).status).toBe(201);
    expect((await call('POST', '/fhir/Observation', await gateway('gw-rogue'), spo2(patientId, 99))).status).toBe(403);
  });

  it('lets only clinicians of the care team assign, only for enrolled patients, and names a malformed id', async () => {
    const patientId = await enrolPatient(pathways.url, clinician);
    const before = await appended();
    expect((await call('PUT', gateways(patientId, 'gw-x'), await issuer.token('patient', { patientId }))).status).toBe(403);
    expect((await call('PUT', gateways(patientId, 'gw-x'), await gateway('gw-x'))).status).toBe(403);
    // A patient on no care team is nobody's to assign devices for: the same 403 as for another team's patient.
    const notEnrolled = await call('PUT', gateways('6c1f8c1e-0000-4000-8000-000000000000', 'gw-x'), clinician);
    expect(notEnrolled.status).toBe(403);
    expect(notEnrolled.body.detail).toContain('is not on one of your care teams');
    const badPatient = await call('PUT', gateways('not-a-patient', 'gw-x'), clinician);
    expect(badPatient.status).toBe(400);
    expect(badPatient.body.detail).toContain('patientId');
    const badGateway = await call('PUT', gateways(patientId, '%20gw'), clinician);
    expect(badGateway.status).toBe(400);
    expect(badGateway.body.detail).toContain('gatewayId');
    expect(await appended()).toBe(before);
  });
});
