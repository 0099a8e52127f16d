import { randomUUID } from 'node:crypto';
import { integrationEventTypes } from '@varde/contracts';
import { enrolPatient, freshSchema, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import { startMeasurementsStack } from './measurements-stack';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assignGateway } from './assign-gateway';

// Bodies are checked field by field with toMatchObject; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('measurements');
let issuer: TestIssuer;
let pathways: ServiceProcess;
let sharing: ServiceProcess;
let measurements: ServiceProcess;
let db: pg.Pool;
let patientId: string;
let patientToken: string;

const spo2 = (overrides: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation by pulse oximetry' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: new Date(Date.now() - 60_000).toISOString(),
  valueQuantity: { value: 88, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  ...overrides,
});

async function post(body: unknown, token: string | null = patientToken, contentType = 'application/fhir+json') {
  const response = await fetch(`${measurements.url}/fhir/Observation`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as JsonBody };
}

const appended = async (): Promise<number> => Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);

const enrol = async (): Promise<string> => enrolPatient(pathways.url, await issuer.token('clinician'));

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  ({ pathways, sharing, measurements } = await startMeasurementsStack(databaseUrl, issuer.url, schema));
  patientId = await enrol();
  patientToken = await issuer.token('patient', { patientId });
  await assignGateway(measurements.url, await issuer.token('clinician'), patientId);
});

afterAll(async () => {
  await Promise.allSettled([measurements?.stop(), sharing?.stop(), pathways?.stop()]);
  await db?.end();
  await issuer?.close();
});

describe('POST /fhir/Observation (SpO2)', () => {
  it('records an enrolled patient\'s SpO2 and publishes MeasurementRecorded on the bus', async () => {
    const effective = new Date(Date.now() - 120_000).toISOString();
    const created = await post(spo2({ effectiveDateTime: effective }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      subject: { reference: `Patient/${patientId}` },
      valueQuantity: { value: 88, unit: '%', code: '%' },
      effectiveDateTime: effective,
    });
    expect(created.body.meta.lastUpdated).toEqual(expect.any(String));
    expect(created.location).toBe(`${measurements.url}/fhir/Observation/${created.body.id}/_history/1`);

    const read = await fetch(`${measurements.url}/fhir/Observation/${created.body.id}`, { headers: { authorization: `Bearer ${await issuer.token('clinician')}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(created.body);

    const deadline = Date.now() + 15_000;
    let rows: { type: string; partition_key: string; payload: Buffer }[] = [];
    while (Date.now() < deadline) {
      ({ rows } = await db.query(`SELECT type, partition_key, payload FROM varde_bus.messages WHERE topic = 'varde.measurements.v1' AND partition_key = $1`, [patientId]));
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]!.type).toBe('varde.measurements.v1.MeasurementRecorded');
    const event = integrationEventTypes['varde.measurements.v1.MeasurementRecorded'].decode(new Uint8Array(rows[0]!.payload));
    expect(event).toMatchObject({
      measurementId: created.body.id,
      patientId,
      code: { system: 'http://loinc.org', code: '59408-5' },
      value: 88,
      unit: '%',
      originalValue: 88,
      originalUnit: '%',
      provenance: { method: 'patient', deviceId: '' },
    });
    expect(event.effectiveTime?.toISOString()).toBe(effective);
    expect(event.receivedTime!.getTime()).toBeGreaterThan(Date.parse(effective));
  });

  it('returns the original with 200 and writes nothing when a device resends the same identifier', async () => {
    const identifier = [{ system: 'urn:varde:test-oximeter', value: randomUUID() }];
    const gateway = await issuer.token('system');
    const first = await post(spo2({ identifier, device: { reference: 'Device/oximeter-7' } }), gateway, 'application/json');
    expect(first.status).toBe(201);
    const before = await appended();
    const again = await post(spo2({ identifier, device: { reference: 'Device/oximeter-7' }, effectiveDateTime: first.body.effectiveDateTime }), gateway);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.valueQuantity.value).toBe(88);
    expect(await appended()).toBe(before);
  });

  const bad: [string, () => Promise<unknown>, number, string][] = [
    ['malformed JSON', () => Promise.resolve('{"resourceType": "Observation",'), 400, 'body'],
    ['a wrong resourceType', async () => spo2({ resourceType: 'Patient' }), 400, 'Observation.resourceType'],
    ['a missing subject', async () => spo2({ subject: undefined }), 400, 'Observation.subject'],
    ['the value as a string', async () => spo2({ valueQuantity: { value: '88', unit: '%', system: 'http://unitsofmeasure.org', code: '%' } }), 400, 'Observation.valueQuantity.value'],
    ['101 %', async () => spo2({ valueQuantity: { value: 101, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } }), 400, 'Observation.valueQuantity.value'],
    ['1e308 %', async () => '{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2708-6"}]},"subject":{"reference":"Patient/' + patientId + '"},"effectiveDateTime":"2026-01-01T00:00:00Z","valueQuantity":{"value":1e308,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}}', 400, 'Observation.valueQuantity.value'],
    ['a heart-rate code in %', async () => spo2({ code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] } }), 400, 'Observation.valueQuantity.code'],
    ['an element R4 does not define', async () => spo2({ heartbeat: 'strong' }), 400, 'Observation.heartbeat'],
    ['a time far in the future', async () => spo2({ effectiveDateTime: new Date(Date.now() + 3_600_000).toISOString() }), 400, 'Observation.effectiveDateTime'],
    // For a clinician, the same 403 as for another team's patient: whether a person is enrolled at all is not theirs to learn.
    ['a patient who is not enrolled', async () => spo2({ subject: { reference: `Patient/${randomUUID()}` } }), 403, 'is not on one of your care teams'],
  ];
  it.each(bad)('refuses %s with a clear 4xx naming the element, and appends nothing', async (_name, body, status, element) => {
    const before = await appended();
    const token = status === 403 ? await issuer.token('clinician') : patientToken;
    const result = await post(await body(), token);
    expect(result.status).toBe(status);
    expect(result.body.resourceType).toBe('OperationOutcome');
    const named = result.body.issue.map((i: { expression?: string[]; diagnostics: string }) => `${i.expression?.join() ?? ''} ${i.diagnostics}`).join('\n');
    expect(named).toContain(element);
    expect(await appended()).toBe(before);
  });

  it('refuses another patient\'s token (403), no token (401) and an expired token (401), appending nothing', async () => {
    const before = await appended();
    const other = await post(spo2(), await issuer.token('patient', { patientId: randomUUID() }));
    expect(other.status).toBe(403);
    const none = await post(spo2(), null);
    expect(none.status).toBe(401);
    const expired = await post(spo2(), await issuer.token('patient', { patientId, ttlSeconds: 60, issuedAt: new Date(Date.now() - 3_600_000) } as never));
    expect(expired.status).toBe(401);
    expect(expired.body.issue[0].diagnostics).toContain('expired');
    expect(await appended()).toBe(before);
  });
});
