import { randomUUID } from 'node:crypto';
import { integrationEventTypes } from '@varde/contracts';
import { accessLogOf, enrolPatient, freshSchema, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assignGateway, DEV_GATEWAY } from './assign-gateway';
import { startMeasurementsStack } from './measurements-stack';

// Bodies are checked field by field with toMatchObject; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('measurements_ingest');
const UCUM = 'http://unitsofmeasure.org';
let issuer: TestIssuer;
let pathways: ServiceProcess;
let measurements: ServiceProcess;
let sharing: ServiceProcess;
let db: pg.Pool;
let patientId: string;
let token: string;

const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
const quantity = (value: unknown, code: string) => ({ value, system: UCUM, code });
let minute = 0;
/** A distinct effective time per call, so unidentified readings never collide by accident. */
const nextTime = (): string => new Date(Date.now() - 3_600_000 + ++minute * 1000).toISOString();
const observation = (code: string, value: unknown, unit: string, overrides: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: loinc(code),
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: nextTime(),
  valueQuantity: quantity(value, unit),
  ...overrides,
});
const bloodPressure = (systolic: number, diastolic: number, unit = 'mm[Hg]') =>
  observation('85354-9', 0, unit, {
    valueQuantity: undefined,
    component: [
      { code: loinc('8480-6'), valueQuantity: quantity(systolic, unit) },
      { code: loinc('8462-4'), valueQuantity: quantity(diastolic, unit) },
    ],
  });

async function post(path: string, body: unknown, bearer: string | null = token) {
  const response = await fetch(`${measurements.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as JsonBody };
}
const postObservation = (body: unknown, bearer?: string) => post('/fhir/Observation', body, bearer);
const entry = (resource: unknown) => ({ resource, request: { method: 'POST', url: 'Observation' } });
const bundle = (type: string, resources: unknown[]) => ({ resourceType: 'Bundle', type, entry: resources.map(entry) });

const appended = async (): Promise<number> => Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);
const eventsIn = async (measurementId: string): Promise<number> =>
  Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages WHERE stream_id = $1`, [`measurement-${measurementId}`])).rows[0].count);
const diagnostics = (outcome: JsonBody): string => outcome.issue.map((i: { expression?: string[]; diagnostics: string }) => `${i.expression?.join() ?? ''} ${i.diagnostics}`).join('\n');

/** The integration event published for a measurement (polls the embedded bus). */
async function published(measurementId: string) {
  const type = 'varde.measurements.v1.MeasurementRecorded';
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ payload: Buffer }>(`SELECT payload FROM varde_bus.messages WHERE topic = 'varde.measurements.v1' AND partition_key = $1 AND type = $2`, [patientId, type]);
    const event = rows.map((r) => integrationEventTypes[type].decode(new Uint8Array(r.payload))).find((e) => e.measurementId === measurementId);
    if (event) return event;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no MeasurementRecorded for ${measurementId} on the bus`);
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  // Sharing decides clinicians' access (the policy decision point) and keeps the access log.
  ({ pathways, sharing, measurements } = await startMeasurementsStack(databaseUrl, issuer.url, schema));
  patientId = await enrolPatient(pathways.url, await issuer.token('clinician'));
  token = await issuer.token('patient', { patientId });
  await assignGateway(measurements.url, await issuer.token('clinician'), patientId);
});

afterAll(async () => {
  await Promise.allSettled([measurements?.stop(), pathways?.stop(), sharing?.stop()]);
  await db?.end();
  await issuer?.close();
});

describe('vital signs, in their canonical units', () => {
  it.each([
    ['SpO2 (pulse oximetry)', '59408-5', 96, '%', 96, '%'],
    ['SpO2 (arterial)', '2708-6', 97, '%', 97, '%'],
    ['SpO2 as a 0–1 fraction', '59408-5', 0.95, '1', 95, '%'],
    ['pulse', '8867-4', 72, '/min', 72, '/min'],
    ['respiratory rate', '9279-1', 16, '/min', 16, '/min'],
    ['body temperature', '8310-5', 37.2, 'Cel', 37.2, 'Cel'],
    ['body temperature in °F', '8310-5', 98.6, '[degF]', 37, 'Cel'],
    ['body weight', '29463-7', 80, 'kg', 80, 'kg'],
    ['body weight in pounds', '29463-7', 150, '[lb_av]', 68.0388555, 'kg'],
    ['steps', '55423-8', 4200, '{steps}', 4200, '{steps}'],
    ['another LOINC quantity (glucose)', '2339-0', 95, 'mg/dL', 95, 'mg/dL'],
  ])('records %s and publishes the canonical value with the original', async (_name, code, value, unit, canonical, canonicalUnit) => {
    const created = await postObservation(observation(code, value, unit));
    expect(created.status).toBe(201);
    expect(created.body.valueQuantity).toMatchObject({ value: canonical, code: canonicalUnit });
    expect(await published(created.body.id)).toMatchObject({ code: { code }, value: canonical, unit: canonicalUnit, originalValue: value, originalUnit: unit, flags: [] });
  });

  it('records a blood pressure sent in kPa as mm[Hg] components, systolic as the value', async () => {
    const created = await postObservation(bloodPressure(16, 10, 'kPa'));
    expect(created.status).toBe(201);
    const event = await published(created.body.id);
    expect(event).toMatchObject({ code: { code: '85354-9' }, value: 120.010200867, unit: 'mm[Hg]', originalValue: 16, originalUnit: 'kPa' });
    expect(event.components).toEqual([
      { code: { system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }, value: 120.010200867, unit: 'mm[Hg]', originalValue: 16, originalUnit: 'kPa' },
      { code: { system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }, value: 75.0063755419, unit: 'mm[Hg]', originalValue: 10, originalUnit: 'kPa' },
    ]);
    expect(created.body.component).toHaveLength(2);
  });

  it('accepts possible-but-unusual values, flagged for triage', async () => {
    const low = await postObservation(observation('59408-5', 84, '%'));
    expect(low.status).toBe(201);
    expect((await published(low.body.id)).flags).toEqual(['unusual-low']);
    const high = await postObservation(bloodPressure(230, 125));
    expect(high.status).toBe(201);
    expect((await published(high.body.id)).flags).toEqual(['8480-6:unusual-high', '8462-4:unusual-high']);
  });
});

describe('refused input: a clear 4xx naming the element, nothing appended, the service keeps serving', () => {
  const deep = 100_000;
  const bad: [string, () => unknown, number, string][] = [
    ['truncated JSON', () => '{"resourceType": "Observation", "status": "fin', 400, 'malformed JSON'],
    ['NaN (not JSON)', () => JSON.stringify(observation('8867-4', 1, '/min')).replace('"value":1', '"value":NaN'), 400, 'malformed JSON'],
    ['a wrong resourceType', () => ({ ...observation('8867-4', 60, '/min'), resourceType: 'Patient' }), 400, 'Observation.resourceType'],
    ['an element FHIR does not have', () => observation('8867-4', 60, '/min', { heartbeat: 'strong' }), 400, 'Observation.heartbeat'],
    ['a missing subject', () => observation('8867-4', 60, '/min', { subject: undefined }), 400, 'Observation.subject'],
    ['the value as a string', () => observation('8867-4', '60', '/min'), 400, 'Observation.valueQuantity.value'],
    ['1e308 kg', () => JSON.stringify(observation('29463-7', 1, 'kg')).replace('"value":1', '"value":1e308'), 400, 'Observation.valueQuantity.value'],
    ['a unit that does not fit the code', () => observation('29463-7', 80, 'mm[Hg]'), 400, 'convertible to "kg"'],
    ['a unit that is not UCUM', () => observation('8310-5', 37, 'celsius'), 400, 'Observation.valueQuantity.code'],
    ['a pulse of 0', () => observation('8867-4', 0, '/min'), 400, 'Observation.valueQuantity.value'],
    ['a pulse of 400', () => observation('8867-4', 400, '/min'), 400, 'Observation.valueQuantity.value'],
    ['SpO2 of 101 %', () => observation('59408-5', 101, '%'), 400, 'Observation.valueQuantity.value'],
    ['a negative weight', () => observation('29463-7', -3, 'kg'), 400, 'Observation.valueQuantity.value'],
    ['systolic below diastolic', () => bloodPressure(70, 95), 400, 'Observation.component'],
    ['a time far in the future', () => observation('8867-4', 60, '/min', { effectiveDateTime: new Date(Date.now() + 3_600_000).toISOString() }), 400, 'Observation.effectiveDateTime'],
    ['deep nesting', () => `{"resourceType":"Observation","extension":${'['.repeat(deep)}${']'.repeat(deep)}}`, 400, 'nested deeper than 32 levels'],
    ['a body over the 1 MiB limit', () => JSON.stringify(observation('8867-4', 60, '/min', { code: { ...loinc('8867-4'), text: 'x'.repeat(1_100_000) } })), 413, 'too large'],
  ];
  it.each(bad)('%s', async (_name, body, status, named) => {
    const before = await appended();
    const result = await postObservation(body());
    expect(result.status).toBe(status);
    expect(result.body.resourceType).toBe('OperationOutcome');
    expect(diagnostics(result.body)).toContain(named);
    expect(await appended()).toBe(before);
    expect((await postObservation(observation('8867-4', 61, '/min'))).status).toBe(201);
  });
});

describe('provenance', () => {
  it('records the gateway that sent a reading and what the contained Device says about itself', async () => {
    const gateway = await issuer.token('system');
    const reading = observation('29463-7', 82.5, 'kg', {
      contained: [{ resourceType: 'Device', id: 'scale', identifier: [{ system: 'urn:ieee:eui64', value: 'A1B2C3D4E5F60708' }], serialNumber: 'SN-991', modelNumber: 'BS-440', manufacturer: 'Acme Health' }],
      device: { reference: '#scale' },
    });
    const created = await postObservation(reading, gateway);
    expect(created.status).toBe(201);
    const { rows } = await db.query(`SELECT message_data FROM "${schema}".emt_messages WHERE stream_id = $1`, [`measurement-${created.body.id}`]);
    expect(rows[0].message_data.provenance).toMatchObject({
      method: 'device',
      deviceId: 'urn:ieee:eui64|A1B2C3D4E5F60708',
      gateway: DEV_GATEWAY,
      device: { identifier: { system: 'urn:ieee:eui64', value: 'A1B2C3D4E5F60708' }, model: 'BS-440', serial: 'SN-991', manufacturer: 'Acme Health' },
    });
    // Consumers in other services and trusts see the same provenance in the integration event.
    expect((await published(created.body.id)).provenance).toEqual({
      method: 'device',
      deviceId: 'urn:ieee:eui64|A1B2C3D4E5F60708',
      organisation: expect.any(String),
      deviceIdentifier: 'urn:ieee:eui64|A1B2C3D4E5F60708',
      deviceModel: 'BS-440',
      deviceSerial: 'SN-991',
      deviceManufacturer: 'Acme Health',
      gatewayId: DEV_GATEWAY,
      enteredByRole: 'system',
    });
  });

  it('keeps long numeric identifiers and serial numbers as text: resent and published unchanged', async () => {
    // Twenty digits: beyond what a JavaScript number holds exactly, as device serials and gateway counters often are.
    const serial = '12345678901234567890';
    const identifierValue = `9${Date.now()}123456`;
    const reading = observation('29463-7', 81.5, 'kg', {
      identifier: [{ system: 'urn:varde:test-numeric', value: identifierValue }],
      contained: [{ resourceType: 'Device', id: 'scale', serialNumber: serial, modelNumber: 'BS-440' }],
      device: { reference: '#scale' },
    });
    const created = await postObservation(reading, await issuer.token('system'));
    expect(created.status).toBe(201);
    // A resend answers with the original, read back from the event store.
    const again = await postObservation(reading, await issuer.token('system'));
    expect([again.status, again.body.id]).toEqual([200, created.body.id]);
    expect(again.body.identifier).toEqual([{ system: 'urn:varde:test-numeric', value: identifierValue }]);
    // The relay read it back too, and published it.
    expect((await published(created.body.id)).provenance).toMatchObject({ deviceSerial: serial, deviceModel: 'BS-440' });
  });

  it('publishes a reading typed in by the patient with no device or gateway', async () => {
    const created = await postObservation(observation('8867-4', 66, '/min'));
    expect((await published(created.body.id)).provenance).toMatchObject({ method: 'patient', deviceModel: '', deviceSerial: '', gatewayId: '', enteredByRole: 'patient' });
  });

  it('records a patient typing in a value as the patient, with no device', async () => {
    const created = await postObservation(observation('8310-5', 37.4, 'Cel'));
    const { rows } = await db.query(`SELECT message_data FROM "${schema}".emt_messages WHERE stream_id = $1`, [`measurement-${created.body.id}`]);
    expect(rows[0].message_data.provenance).toEqual({ method: 'patient' });
  });

  it('refuses a device reference to a Device that is not contained', async () => {
    const result = await postObservation(observation('29463-7', 80, 'kg', { device: { reference: '#nowhere' } }));
    expect(result.status).toBe(400);
    expect(diagnostics(result.body)).toContain('Observation.device.reference');
  });
});

describe('exactly once', () => {
  it('identifies an unidentified reading by its content: a resend returns the original and writes nothing', async () => {
    const reading = observation('8867-4', 64, '/min', { device: { reference: 'Device/watch-1' } });
    const first = await postObservation(reading);
    expect(first.status).toBe(201);
    const before = await appended();
    const again = await postObservation(reading);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await appended()).toBe(before);
    const otherDevice = await postObservation({ ...reading, device: { reference: 'Device/watch-2' } });
    expect(otherDevice.status).toBe(201);
  });

  it('writes an access-log entry when a resend is answered 200 with the stored Observation (none for the first 201)', async () => {
    const reading = observation('8867-4', 71, '/min', { device: { reference: 'Device/watch-3' } });
    const first = await postObservation(reading);
    expect(first.status).toBe(201);
    const resource = `Observation/${first.body.id}`;
    expect((await postObservation(reading)).status).toBe(200);
    // Once the resend's entry reached the patient's log (from the outbox), it is the only one for that Observation.
    const log = await accessLogOf(sharing.url, patientId, token, (entries) => entries.some((e) => e.resource === resource), 'the resend in the access log');
    expect(log.filter((e) => e.resource === resource).map((e) => [e.purpose, e.actor.role])).toEqual([['measurements', 'patient']]);
  });

  it('refuses the same identifier with other content (409), saying which elements differ', async () => {
    const identifier = [{ system: 'urn:varde:test-scale', value: randomUUID() }];
    const reading = observation('29463-7', 81, 'kg', { identifier });
    expect((await postObservation(reading)).status).toBe(201);
    const before = await appended();
    const changed = await postObservation({ ...reading, valueQuantity: quantity(82, 'kg') });
    expect(changed.status).toBe(409);
    expect(diagnostics(changed.body)).toContain('valueQuantity.value: 81 → 82');
    expect(await appended()).toBe(before);
  });

  it('lets exactly one of 20 concurrent identical posts record, the rest get the original', async () => {
    const reading = observation('9279-1', 18, '/min');
    const results = await Promise.all(Array.from({ length: 20 }, () => postObservation(reading)));
    expect(results.map((r) => r.status).sort((a, b) => b - a)).toEqual([201, ...Array(19).fill(200)]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await eventsIn(results[0]!.body.id)).toBe(1);
  });

  it('answers each of 60 concurrent different posts on its own, though they are written together', async () => {
    // Many at once share transactions (group commit): each still gets its own answer and is written once.
    const taken = [{ system: 'urn:varde:test-scale', value: randomUUID() }];
    expect((await postObservation(observation('29463-7', 80, 'kg', { identifier: taken }))).status).toBe(201);
    const before = await appended();
    const readings = Array.from({ length: 60 }, (_, i) => observation('8867-4', 60 + i, '/min'));
    const conflicting = observation('29463-7', 95, 'kg', { identifier: taken });
    const invalid = observation('8867-4', 0, '/min');
    const results = await Promise.all([...readings, conflicting, invalid].map((r) => postObservation(r)));
    expect(results.slice(0, 60).map((r) => r.status)).toEqual(Array(60).fill(201));
    expect(results[60]!.status).toBe(409);
    expect(results[61]!.status).toBe(400);
    expect(await appended()).toBe(before + 60);
    const ids = results.slice(0, 60).map((r) => r.body.id as string);
    expect(new Set(ids).size).toBe(60);
    const { rows } = await db.query<{ value: number }>(`SELECT value FROM "${schema}".measurements WHERE measurement_id = ANY($1) ORDER BY value`, [ids]);
    expect(rows.map((r) => Number(r.value))).toEqual(readings.map((_, i) => 60 + i));
    expect(results.map((r, i) => (i < 60 ? r.body.valueQuantity.value : undefined)).slice(0, 60)).toEqual(readings.map((_, i) => 60 + i));
  });
});

describe('POST /fhir with a Bundle', () => {
  it('batch: each entry succeeds or fails on its own, with a response per entry', async () => {
    const before = await appended();
    const result = await post('/fhir', bundle('batch', [observation('8867-4', 70, '/min'), observation('8867-4', '70', '/min'), observation('8310-5', 98.6, '[degF]')]));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
    const [ok, refused, converted] = result.body.entry;
    expect(ok.response).toMatchObject({ status: '201 Created', location: expect.stringMatching(/^Observation\/[0-9a-f-]{36}$/) });
    expect(refused.response.status).toBe('400 Bad Request');
    expect(diagnostics(refused.response.outcome)).toContain('Bundle.entry[1].resource.valueQuantity.value');
    expect(converted.response.status).toBe('201 Created');
    expect(await appended()).toBe(before + 2);
    expect(await published(converted.response.location.slice('Observation/'.length))).toMatchObject({ value: 37, unit: 'Cel', originalValue: 98.6, originalUnit: '[degF]' });
  });

  it('batch: an entry that is not a POST of an Observation is refused on its own', async () => {
    const result = await post('/fhir', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: observation('8867-4', 70, '/min'), request: { method: 'DELETE', url: 'Observation' } }] });
    expect(result.status).toBe(200);
    expect(diagnostics(result.body.entry[0].response.outcome)).toContain('Bundle.entry[0].request.method');
  });

  it('batch: an entry for another patient (403), a patient the gateway is not assigned to (403) or, for a clinician, a patient not theirs — enrolled elsewhere or never (403) — fails alone', async () => {
    const gateway = await issuer.token('system');
    const before = await appended();
    const stranger = { subject: { reference: `Patient/${randomUUID()}` } };
    const forPatient = await post('/fhir', bundle('batch', [observation('8867-4', 70, '/min', stranger), observation('8867-4', 71, '/min')]));
    expect(forPatient.body.entry.map((e: JsonBody) => e.response.status)).toEqual(['403 Forbidden', '201 Created']);
    const forGateway = await post('/fhir', bundle('batch', [observation('8867-4', 72, '/min', stranger), observation('8867-4', 73, '/min')]), gateway);
    expect(forGateway.body.entry.map((e: JsonBody) => e.response.status)).toEqual(['403 Forbidden', '201 Created']);
    expect(diagnostics(forGateway.body.entry[0].response.outcome)).toContain(`Bundle.entry[0].resource.subject: gateway ${DEV_GATEWAY} is not assigned to this patient`);
    const forClinician = await post('/fhir', bundle('batch', [observation('8867-4', 74, '/min', stranger)]), await issuer.token('clinician'));
    // The same 403 as for another team's patient: whether a person is enrolled at all is not the clinician's to learn.
    expect(forClinician.body.entry[0].response.status).toBe('403 Forbidden');
    expect(diagnostics(forClinician.body.entry[0].response.outcome)).toContain('is not on one of your care teams');
    expect(await appended()).toBe(before + 2);
  });

  it('transaction: an entry for a patient the gateway may not write for refuses the whole Bundle as forbidden (403)', async () => {
    const before = await appended();
    const result = await post('/fhir', bundle('transaction', [observation('8867-4', 70, '/min'), observation('8867-4', 72, '/min', { subject: { reference: `Patient/${randomUUID()}` } })]), await issuer.token('system'));
    expect(result.status).toBe(403);
    expect(diagnostics(result.body)).toContain('Bundle.entry[1].resource.subject');
    expect(await appended()).toBe(before);
  });

  it('transaction: one bad entry refuses the whole Bundle, naming it, and writes nothing', async () => {
    const before = await appended();
    const result = await post('/fhir', bundle('transaction', [observation('8867-4', 70, '/min'), observation('29463-7', -1, 'kg'), observation('8867-4', 71, '/min')]));
    expect(result.status).toBe(400);
    expect(result.body.resourceType).toBe('OperationOutcome');
    expect(diagnostics(result.body)).toContain('Bundle.entry[1].resource.valueQuantity.value');
    expect(await appended()).toBe(before);
  });

  it('transaction: a conflicting identifier refuses the whole Bundle and writes nothing', async () => {
    const identifier = [{ system: 'urn:varde:test-gateway', value: randomUUID() }];
    const before = await appended();
    const result = await post('/fhir', bundle('transaction', [observation('8867-4', 70, '/min', { identifier }), observation('8867-4', 75, '/min', { identifier })]));
    expect(result.status).toBe(400);
    expect(diagnostics(result.body)).toContain('Bundle.entry[1].resource.identifier');
    expect(await appended()).toBe(before);
  });

  it('transaction: all entries recorded together; sent again, all return the originals', async () => {
    const resources = [observation('8867-4', 66, '/min'), bloodPressure(128, 84), observation('29463-7', 176, '[lb_av]')];
    const before = await appended();
    const first = await post('/fhir', bundle('transaction', resources));
    expect(first.status).toBe(200);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry.map((e: JsonBody) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    expect(await appended()).toBe(before + 3);
    const again = await post('/fhir', bundle('transaction', resources));
    expect(again.body.entry.map((e: JsonBody) => e.response.status)).toEqual(['200 OK', '200 OK', '200 OK']);
    expect(again.body.entry.map((e: JsonBody) => e.response.location)).toEqual(first.body.entry.map((e: JsonBody) => e.response.location));
    expect(await appended()).toBe(before + 3);
  });

  it('accepts a Bundle over the single-resource body limit (its own limit)', async () => {
    const resources = Array.from({ length: 2000 }, (_, i) => observation('8867-4', 60 + (i % 30), '/min', { code: { ...loinc('8867-4'), text: 'Heart rate measured by the home blood pressure monitor, sitting' }, identifier: [{ system: 'urn:varde:test-bulk', value: randomUUID() }] }));
    const body = JSON.stringify(bundle('batch', resources));
    expect(body.length).toBeGreaterThan(1_048_576);
    const result = await post('/fhir', body);
    expect(result.status).toBe(200);
    expect(result.body.entry.filter((e: JsonBody) => e.response.status === '201 Created')).toHaveLength(2000);
  }, 60_000);

  it('refuses a Bundle of 100 000 entries with a clear 413 and keeps serving', async () => {
    const before = await appended();
    const result = await post('/fhir', JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: Array(100_000).fill({}) }));
    expect(result.status).toBe(413);
    expect(diagnostics(result.body)).toContain('100000 entries, at most 10000');
    expect(await appended()).toBe(before);
    expect((await postObservation(observation('8867-4', 62, '/min'))).status).toBe(201);
  });

  it('refuses a Bundle that is not batch or transaction', async () => {
    const result = await post('/fhir', bundle('collection', [observation('8867-4', 70, '/min')]));
    expect(result.status).toBe(400);
    expect(diagnostics(result.body)).toContain('Bundle.type');
  });
});
