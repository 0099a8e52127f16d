import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { integrationEventTypes } from '@varde/contracts';
import { accessLogOf, enrolPatient, freshSchema, outboxEntriesOf, whileOutboxUnwritable, startTestIssuer, syntheticNationalId, type AccessLogView, type ServiceProcess, type TestIssuer, auditReasonFor } from '@varde/testing';
import { startMeasurementsStack } from './measurements-stack';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assignGateway } from './assign-gateway';

// Bodies are checked field by field with toMatchObject; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('measurements_queries');
const UCUM = 'http://unitsofmeasure.org';
const REPLACES = 'https://varde.no/fhir/StructureDefinition/replaces';
let issuer: TestIssuer;
let pathways: ServiceProcess;
let sharing: ServiceProcess;
let measurements: ServiceProcess;
let db: pg.Pool;
let patientId: string;
let otherPatientId: string;
let patientToken: string;
let clinician: string;
const base = Date.parse('2026-10-01T00:00:00.000Z');
/** Effective time of the i-th of the 120 readings: one an hour from 1 October. */
const hour = (i: number): string => new Date(base + i * 3_600_000).toISOString();
const created: { id: string; t: string; v: number }[] = [];

const spo2 = (code: string, value: number, effectiveDateTime: string, subject = patientId) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${subject}` },
  effectiveDateTime,
  valueQuantity: { value, unit: '%', system: UCUM, code: '%' },
});

async function call(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${measurements.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...auditReasonFor(token), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as JsonBody };
}
const get = (path: string, token: string | null = clinician) => call('GET', path, token);
const put = (id: string, body: unknown, token: string = clinician, headers?: Record<string, string>) => call('PUT', `/fhir/Observation/${id}`, token, body, headers);

const appended = async (): Promise<number> => Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);
const problemNames = (body: JsonBody): string => JSON.stringify(body);

/** Every entry of a search, following `next` links; checks each page's size and total on the way. */
async function allPages(query: string, pageSize: number): Promise<{ ids: string[]; times: string[]; pages: number; total: number }> {
  const ids: string[] = [];
  const times: string[] = [];
  let url: string | undefined = `/fhir/Observation?${query}&_count=${pageSize}`;
  let pages = 0;
  let total = -1;
  while (url) {
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    total = page.body.total;
    pages++;
    for (const e of page.body.entry) {
      ids.push(e.resource.id);
      times.push(e.resource.effectiveDateTime);
    }
    const next = (page.body.link as { relation: string; url: string }[]).find((l) => l.relation === 'next');
    // Links are absolute (R4): the path of the service's own base.
    url = next ? new URL(next.url).pathname + new URL(next.url).search : undefined;
  }
  return { ids, times, pages, total };
}

async function busMessages(type: string, measurementId: string): Promise<Uint8Array[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await db.query<{ payload: Buffer }>(`SELECT payload FROM varde_bus.messages WHERE topic = 'varde.measurements.v1' AND partition_key = $1 AND type = $2`, [patientId, type]);
    const found = rows.map((r) => new Uint8Array(r.payload)).filter((p) => integrationEventTypes[type as 'varde.measurements.v1.MeasurementCorrected'].decode(p).measurementId === measurementId);
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  ({ pathways, sharing, measurements } = await startMeasurementsStack(databaseUrl, issuer.url, schema));
  clinician = await issuer.token('clinician');
  patientId = await enrolPatient(pathways.url, clinician);
  otherPatientId = await enrolPatient(pathways.url, clinician);
  await assignGateway(measurements.url, clinician, patientId);
  patientToken = await issuer.token('patient', { patientId });
  // 120 readings typed in by the patient, one an hour, posted out of order and a few at a time.
  const order = Array.from({ length: 120 }, (_, i) => (i * 37) % 120);
  for (let batch = 0; batch < order.length; batch += 10) {
    await Promise.all(
      order.slice(batch, batch + 10).map(async (i) => {
        const value = 85 + (i % 15);
        const response = await call('POST', '/fhir/Observation', patientToken, spo2('59408-5', value, hour(i)));
        expect(response.status).toBe(201);
        created[i] = { id: response.body.id, t: hour(i), v: value };
      }),
    );
  }
  // One reading of the other SpO2 code, and one of another patient that must never show up.
  expect((await call('POST', '/fhir/Observation', clinician, spo2('2708-6', 97, hour(50)))).status).toBe(201);
  expect((await call('POST', '/fhir/Observation', clinician, spo2('59408-5', 99, hour(200), otherPatientId))).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([measurements?.stop(), sharing?.stop(), pathways?.stop()]);
  await db?.end();
  await issuer?.close();
});

describe('GET /fhir/Observation (search)', () => {
  it('pages through 120 measurements 50 at a time, in date order, with no duplicates or gaps', async () => {
    const { ids, times, pages, total } = await allPages(`patient=${patientId}&code=http://loinc.org|59408-5&_sort=date`, 50);
    expect(pages).toBe(3);
    expect(total).toBe(120);
    expect(ids).toEqual(created.map((c) => c.id));
    expect(times).toEqual(created.map((c) => c.t));
    expect(new Set(ids).size).toBe(120);
  });

  it('sorts newest first by default and counts both SpO2 codes without a code filter', async () => {
    const page = await get(`/fhir/Observation?patient=${patientId}`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(121);
    expect(page.body.entry).toHaveLength(50);
    expect(page.body.entry[0].resource).toMatchObject({ id: created[119]!.id, status: 'final', valueQuantity: { value: created[119]!.v, unit: '%' }, subject: { reference: `Patient/${patientId}` } });
    expect(page.body.link).toContainEqual(expect.objectContaining({ relation: 'self' }));
  });

  it('filters by date with ge/le (inclusive) and gt/lt (exclusive)', async () => {
    const inclusive = await allPages(`patient=${patientId}&code=59408-5&date=ge${hour(10)}&date=le${hour(19)}&_sort=date`, 1000);
    expect(inclusive.ids).toEqual(created.slice(10, 20).map((c) => c.id));
    const exclusive = await allPages(`patient=${patientId}&code=59408-5&date=gt${hour(10)}&date=lt${hour(19)}`, 1000);
    expect(exclusive.ids).toEqual(created.slice(11, 19).map((c) => c.id).reverse());
  });

  it.each([
    ['no patient', 'code=59408-5', 'patient'],
    ['_count over 1000', `patient=PID&_count=1001`, '_count'],
    ['_count not a number', `patient=PID&_count=ten`, '_count'],
    ['a date with an unknown prefix', `patient=PID&date=xx2026-10-01`, 'date'],
    ['a date that is not one', `patient=PID&date=ge2026-10-99`, 'date'],
    ['_sort by value', `patient=PID&_sort=value`, '_sort'],
    ['a forged cursor', `patient=PID&_cursor=abc`, '_cursor'],
    ['an unknown parameter', `patient=PID&valueQuantity=93`, 'valueQuantity'],
  ])('refuses %s with 400 naming %s', async (_name, query, parameter) => {
    const response = await get(`/fhir/Observation?${query.replace('PID', patientId)}`);
    expect(response.status).toBe(400);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(problemNames(response.body)).toContain(parameter);
  });

  it('refuses another patient\'s search (403) and lets a guardian of the patient search', async () => {
    const other = await get(`/fhir/Observation?patient=${patientId}`, await issuer.token('patient', { patientId: otherPatientId }));
    expect(other.status).toBe(403);
    const guardian = await get(`/fhir/Observation?patient=${patientId}&_count=1`, await issuer.token('guardian', { patientIds: [patientId] }));
    expect(guardian.status).toBe(200);
    expect(guardian.body.total).toBe(121);
    const strangersGuardian = await get(`/fhir/Observation?patient=${patientId}`, await issuer.token('guardian', { patientIds: [otherPatientId] }));
    expect(strangersGuardian.status).toBe(403);
  });
});

describe('$lastn and series', () => {
  it('gives the latest value per code', async () => {
    const response = await get(`/fhir/Observation/$lastn?patient=${patientId}`, patientToken);
    expect(response.status).toBe(200);
    const latest = (response.body.entry as { resource: JsonBody }[]).map((e) => [e.resource.code.coding[0].code, e.resource.id]);
    expect(latest).toHaveLength(2);
    expect(latest).toContainEqual(['59408-5', created[119]!.id]);
    expect(latest).toContainEqual(['2708-6', expect.any(String)]);
  });

  it('gives a series shaped for plotting, in time order, within from/to', async () => {
    const response = await get(`/api/patients/${patientId}/measurements/series?code=59408-5&from=${hour(100)}&to=${hour(119)}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      code: 'http://loinc.org|59408-5',
      unit: '%',
      points: created.slice(100, 120).map((c) => ({ t: c.t, v: c.v, id: c.id, status: 'final' })),
    });
  });

  it.each([
    ['no code', '', 'code'],
    ['a bad from', 'code=59408-5&from=yesterday', 'from'],
    ['from after to', `code=59408-5&from=${hour(5)}&to=${hour(1)}`, 'from'],
    ['an unknown parameter', 'code=59408-5&limit=5', 'limit'],
  ])('refuses a series with %s (400 naming %s)', async (_name, query, parameter) => {
    const response = await get(`/api/patients/${patientId}/measurements/series?${query}`);
    expect(response.status).toBe(400);
    expect(problemNames(response.body)).toContain(parameter);
  });

  it('refuses another patient\'s series and $lastn (403)', async () => {
    const other = await issuer.token('patient', { patientId: otherPatientId });
    expect((await get(`/api/patients/${patientId}/measurements/series?code=59408-5`, other)).status).toBe(403);
    expect((await get(`/fhir/Observation/$lastn?patient=${patientId}`, other)).status).toBe(403);
  });
});

describe('care teams', () => {
  const reads = (patient: string, observationId: string): string[] => [
    `/fhir/Observation?patient=${patient}`,
    `/fhir/Observation/$lastn?patient=${patient}`,
    `/api/patients/${patient}/measurements/series?code=59408-5`,
    `/fhir/Observation/${observationId}`,
    `/fhir/Observation/${observationId}/_history/1`,
  ];

  it("refuses every read (403, naming the patient's team) to a clinician of another care team, and lets an auditor read", async () => {
    const stranger = await issuer.token('clinician', { careTeams: ['hjertesvikt-ous'] });
    const auditor = await issuer.token('auditor');
    for (const path of reads(patientId, created[0]!.id)) {
      const refused = await get(path, stranger);
      expect(refused.status, path).toBe(403);
      expect(problemNames(refused.body), path).toContain('is not on one of your care teams');
      expect((await get(path, auditor)).status, path).toBe(200);
    }
  });

  it("follows the team the patient was enrolled with: that team's clinicians read, the pathway's default team does not", async () => {
    const team = 'lungepoliklinikken-ahus';
    const ours = await issuer.token('clinician', { careTeams: [team] });
    const enrolled = await fetch(`${pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ours}` },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd', careTeam: team }),
    });
    expect(enrolled.status).toBe(201);
    const { patientId: theirs } = (await enrolled.json()) as { patientId: string };
    const reading = await call('POST', '/fhir/Observation', ours, spo2('59408-5', 95, hour(3), theirs));
    expect(reading.status).toBe(201);
    for (const path of reads(theirs, reading.body.id)) {
      expect((await get(path, ours)).status, path).toBe(200);
      expect((await get(path, clinician)).status, path).toBe(403);
    }
    // Writes too: a clinician of another team may neither record nor correct this patient's measurements.
    const before = (await get(`/fhir/Observation?patient=${theirs}`, ours)).body.total;
    expect((await call('POST', '/fhir/Observation', clinician, spo2('59408-5', 91, hour(4), theirs))).status).toBe(403);
    const correction = { resourceType: 'Observation', status: 'amended', valueQuantity: { value: 96, unit: '%', system: 'http://unitsofmeasure.org', code: '%' }, note: [{ text: 'typo' }] };
    expect((await call('PUT', `/fhir/Observation/${reading.body.id}`, clinician, correction)).status).toBe(403);
    const after = await get(`/fhir/Observation/${reading.body.id}`, ours);
    expect(after.body).toMatchObject({ status: 'final', valueQuantity: { value: 95 } });
    expect((await get(`/fhir/Observation?patient=${theirs}`, ours)).body.total).toBe(before);
  });
});

describe('corrections', () => {
  it('amends a value: the read shows the new value, status amended and a link to the version it replaced', async () => {
    const target = created[30]!;
    const amended = await put(target.id, { resourceType: 'Observation', id: target.id, status: 'amended', valueQuantity: { value: 96, unit: '%', system: UCUM, code: '%' }, note: [{ text: 'patient typed 8 for 9' }] });
    expect(amended.status).toBe(200);
    expect(amended.body).toMatchObject({
      id: target.id,
      status: 'amended',
      meta: { versionId: '2' },
      valueQuantity: { value: 96, unit: '%' },
      extension: [{ url: REPLACES, valueReference: { reference: `Observation/${target.id}/_history/1` } }],
      note: [{ text: 'patient typed 8 for 9' }],
    });
    const read = await get(`/fhir/Observation/${target.id}`, patientToken);
    expect(read.body).toEqual(amended.body);
    const previous = await get(`/fhir/Observation/${target.id}/_history/1`);
    expect(previous.body).toMatchObject({ status: 'final', valueQuantity: { value: target.v }, meta: { versionId: '1' } });
    const search = await get(`/fhir/Observation?patient=${patientId}&date=ge${target.t}&date=le${target.t}`);
    expect(search.body.entry[0].resource).toEqual(amended.body);

    const [payload] = await busMessages('varde.measurements.v1.MeasurementCorrected', target.id);
    expect(integrationEventTypes['varde.measurements.v1.MeasurementCorrected'].decode(payload!)).toMatchObject({
      measurementId: target.id,
      patientId,
      value: 96,
      unit: '%',
      previousValue: target.v,
      reason: 'patient typed 8 for 9',
      actor: { role: 'clinician' },
    });
  });

  it('takes the reason from X-Correction-Reason when there is no note', async () => {
    const target = created[31]!;
    const amended = await put(target.id, { resourceType: 'Observation', status: 'amended', valueQuantity: { value: 70, code: '%' } }, clinician, { 'x-correction-reason': 'probe slipped' });
    expect(amended.status).toBe(200);
    expect(amended.body.note).toEqual([{ text: 'probe slipped' }]);
  });

  it('marks the latest reading entered-in-error: left out of series and $lastn, still found by id and search', async () => {
    const target = created[119]!;
    const marked = await put(target.id, { resourceType: 'Observation', status: 'entered-in-error', note: [{ text: 'measured on the wrong person' }] });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ status: 'entered-in-error', valueQuantity: { value: target.v } });
    const series = await get(`/api/patients/${patientId}/measurements/series?code=59408-5&from=${hour(100)}`);
    expect(series.body.points.map((p: { id: string }) => p.id)).toEqual(created.slice(100, 119).map((c) => c.id));
    const lastn = await get(`/fhir/Observation/$lastn?patient=${patientId}&code=59408-5`);
    expect(lastn.body.entry.map((e: { resource: JsonBody }) => e.resource.id)).toEqual([created[118]!.id]);
    expect((await get(`/fhir/Observation/${target.id}`)).body.status).toBe('entered-in-error');
    const [payload] = await busMessages('varde.measurements.v1.MeasurementEnteredInError', target.id);
    expect(integrationEventTypes['varde.measurements.v1.MeasurementEnteredInError'].decode(payload!)).toMatchObject({ measurementId: target.id, reason: 'measured on the wrong person' });
  });

  it.each([
    ['the same value', () => ({ id: created[40]!.id, body: { resourceType: 'Observation', status: 'amended', valueQuantity: { value: created[40]!.v, code: '%' }, note: [{ text: 'no change' }] } }), 'nothing to correct'],
    ['an entered-in-error measurement', () => ({ id: created[119]!.id, body: { resourceType: 'Observation', status: 'amended', valueQuantity: { value: 60, code: '%' }, note: [{ text: 'x' }] } }), 'already entered-in-error'],
    ['marking it entered-in-error again', () => ({ id: created[119]!.id, body: { resourceType: 'Observation', status: 'entered-in-error', note: [{ text: 'x' }] } }), 'already entered-in-error'],
  ])('refuses %s with 409 and writes nothing', async (_name, request, message) => {
    const before = await appended();
    const { id, body } = request();
    const response = await put(id, body);
    expect(response.status).toBe(409);
    expect(problemNames(response.body)).toContain(message);
    expect(await appended()).toBe(before);
  });

  it('refuses a bad correction body (400), an unknown id (404), and a patient correcting someone else\'s (403)', async () => {
    const before = await appended();
    const bad = await put(created[42]!.id, { resourceType: 'Observation', status: 'final', note: [{ text: 'x' }] });
    expect(bad.status).toBe(400);
    expect(problemNames(bad.body)).toContain('Observation.status');
    const moved = await put(created[42]!.id, { resourceType: 'Observation', status: 'amended', subject: { reference: `Patient/${otherPatientId}` }, valueQuantity: { value: 60, code: '%' }, note: [{ text: 'x' }] });
    expect(moved.status).toBe(400);
    expect(problemNames(moved.body)).toContain('Observation.subject');
    // No reason is invalid input (400), as it is in triage, not a conflict with the measurement's state.
    const unexplained = await put(created[41]!.id, { resourceType: 'Observation', status: 'amended', valueQuantity: { value: 60, code: '%' } });
    expect(unexplained.status).toBe(400);
    expect(problemNames(unexplained.body)).toContain('Observation.note[0].text');
    // A unit other than the canonical one is invalid input (400), as it is when a measurement is recorded.
    const otherUnit = await put(created[41]!.id, { resourceType: 'Observation', status: 'amended', valueQuantity: { value: 0.6, code: '1' }, note: [{ text: 'x' }] });
    expect(otherUnit.status).toBe(400);
    expect(problemNames(otherUnit.body)).toContain('Observation.valueQuantity.code');
    expect((await put('00000000-0000-4000-8000-000000000000', { resourceType: 'Observation', status: 'entered-in-error', note: [{ text: 'x' }] })).status).toBe(404);
    const other = await issuer.token('patient', { patientId: otherPatientId });
    expect((await put(created[42]!.id, { resourceType: 'Observation', status: 'entered-in-error', note: [{ text: 'x' }] }, other)).status).toBe(403);
    expect(await appended()).toBe(before);
  });

  it('still recognises a device resending a reading after it was amended: 200 with the original, nothing written', async () => {
    const gateway = await issuer.token('system');
    const reading = { ...spo2('59408-5', 80, hour(300)), identifier: [{ system: 'urn:varde:test-oximeter', value: `amend-${patientId}` }], device: { reference: 'Device/ox-9' } };
    const first = await call('POST', '/fhir/Observation', gateway, reading);
    expect(first.status).toBe(201);
    expect((await put(first.body.id, { resourceType: 'Observation', status: 'amended', valueQuantity: { value: 90, code: '%' }, note: [{ text: 'probe artefact' }] })).status).toBe(200);
    const before = await appended();
    const again = await call('POST', '/fhir/Observation', gateway, reading);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await appended()).toBe(before);
    expect((await get(`/fhir/Observation/${first.body.id}`)).body).toMatchObject({ status: 'amended', valueQuantity: { value: 90 } });
  });

  it('lets the patient correct a reading they typed in themselves', async () => {
    const response = await put(created[43]!.id, { resourceType: 'Observation', status: 'entered-in-error', note: [{ text: 'I had cold fingers' }] }, patientToken);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('entered-in-error');
  });
});

describe('access log and read model', () => {
  it('logs every read in the patient\'s access log in sharing, with purpose and resource', async () => {
    // Each read is recorded in measurements' outbox before it is shown and forwarded to sharing right after.
    const expected = [
      new RegExp(`^clinician Observation\\?patient=${patientId}`),
      /^patient Observation\/\$lastn/,
      new RegExp(`^clinician patients/${patientId}/measurements/series`),
      `patient Observation/${created[30]!.id}`,
      `guardian Observation?patient=${patientId}&_count=1&_sort=-date`,
    ];
    const described = (entries: readonly AccessLogView[]): string[] => entries.filter((e) => e.purpose === 'measurements').map((e) => `${e.actor.role} ${e.resource}`);
    const found = (resources: readonly string[], wanted: RegExp | string): boolean => resources.some((r) => (typeof wanted === 'string' ? r === wanted : wanted.test(r)));
    const resources = described(await accessLogOf(sharing.url, patientId, patientToken, (entries) => expected.every((wanted) => found(described(entries), wanted)), 'every read in the access log'));
    for (const wanted of expected) expect(found(resources, wanted), String(wanted)).toBe(true);
  });

  it('lets an auditor open the patient only with a stated reason (400 naming Audit-Reason without one), which the access log keeps with the read', async () => {
    const auditor = await issuer.token('auditor', { subject: 'auditor-7' });
    const path = `/fhir/Observation/${created[5]!.id}`;
    const without = await call('GET', path, auditor, undefined, { 'audit-reason': '' });
    expect(without.status).toBe(400);
    expect(JSON.stringify(without.body)).toContain('audit-reason');
    expect((await call('GET', path, auditor, undefined, { 'audit-reason': 'complaint 2026/201 from the patient' })).status).toBe(200);
    const byAuditor = (entries: readonly AccessLogView[]) => entries.find((e) => e.actor.subject === 'auditor-7' && e.resource === `Observation/${created[5]!.id}`);
    const log = await accessLogOf(sharing.url, patientId, patientToken, (entries) => byAuditor(entries) !== undefined, 'the auditor read in the access log');
    expect(byAuditor(log)).toMatchObject({ actor: { role: 'auditor' }, reason: 'complaint 2026/201 from the patient' });
  });

  it('shows measurements that arrived in a Bundle, as the read model follows every append', async () => {
    const entries = [hour(400), hour(401)].map((t) => ({ resource: spo2('59408-5', 94, t), request: { method: 'POST', url: 'Observation' } }));
    const posted = await call('POST', '/fhir', patientToken, { resourceType: 'Bundle', type: 'batch', entry: entries });
    expect(posted.status).toBe(200);
    const found = await get(`/fhir/Observation?patient=${patientId}&date=ge${hour(400)}&date=le${hour(401)}&_sort=date`);
    expect(found.body.entry.map((e: { resource: JsonBody }) => e.resource.effectiveDateTime)).toEqual([hour(400), hour(401)]);
  });

  it('gives the same answers after the read model is dropped and rebuilt from the events', async () => {
    const query = `patient=${patientId}&_sort=date`;
    const snapshot = async () => ({
      search: (await get(`/fhir/Observation?${query}&_count=1000`)).body.entry,
      lastn: (await get(`/fhir/Observation/$lastn?patient=${patientId}`)).body.entry,
      series: (await get(`/api/patients/${patientId}/measurements/series?code=59408-5`)).body,
    });
    const before = await snapshot();
    expect(before.search).toHaveLength(124);
    await db.query(`DELETE FROM "${schema}".measurements`);
    expect((await get(`/fhir/Observation?${query}`)).body.total).toBe(0);
    const script = join(__dirname, '..', 'src', 'rebuild-read-model.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', script], { env: { ...process.env, DATABASE_URL: databaseUrl, DB_SCHEMA: schema } });
    expect(stdout).toContain('measurements read model rebuilt');
    expect(await snapshot()).toEqual(before);
  });

  it('fails closed: when measurements cannot record the read in its own database, reads answer 503 and show nothing', async () => {
    await whileOutboxUnwritable(db, async () => {
      const search = await get(`/fhir/Observation?patient=${patientId}`);
      expect(search.status).toBe(503);
      expect(search.body.entry).toBeUndefined();
      expect((await get(`/api/patients/${patientId}/measurements/series?code=59408-5`)).status).toBe(503);
      expect((await get(`/fhir/Observation/${created[0]!.id}`)).status).toBe(503);
    }, schema);
  });

  it('keeps serving reads with sharing down: they wait in the outbox', async () => {
    await sharing.stop();
    const search = await get(`/fhir/Observation?patient=${patientId}&_count=1`);
    expect(search.status).toBe(200);
    expect(search.body.entry).toHaveLength(1);
    expect((await outboxEntriesOf(db, patientId, schema)).length).toBeGreaterThanOrEqual(1);
  });
});
