import { measurementsV1Events } from '@varde/contracts';
import { enrolPatient, freshSchema, startTestIssuer, type ServiceProcess, type TestIssuer, auditReasonFor } from '@varde/testing';
import { startMeasurementsStack } from './measurements-stack';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assignGateway } from './assign-gateway';

// Bodies are checked field by field; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('measurements_streams');
const UCUM = 'http://unitsofmeasure.org';
const WINDOW_MS = 300_000;
let issuer: TestIssuer;
let pathways: ServiceProcess;
let sharing: ServiceProcess;
let measurements: ServiceProcess;
let db: pg.Pool;
let patientId: string;
let clinician: string;
let gateway: string;
// An hour of 1 Hz SpO2 ending at least two hours ago, starting on a window boundary.
const hourStart = Math.floor((Date.now() - 3 * 3_600_000) / WINDOW_MS) * WINDOW_MS;
/** The hour's samples: values from 84 to 99 (some below 90), and every 97th an error gap. */
const hour: (number | 'E')[] = Array.from({ length: 3600 }, (_, i) => (i % 97 === 13 ? 'E' : 84 + ((i * 7) % 16)));

const chunk = (start: number, data: string, overrides: Record<string, unknown> = {}, subject = patientId) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
  subject: { reference: `Patient/${subject}` },
  effectivePeriod: { start: new Date(start).toISOString() },
  valueSampledData: { origin: { value: 0, system: UCUM, code: '%' }, period: 1000, dimensions: 1, data },
  ...overrides,
});

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${measurements.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), authorization: `Bearer ${token}`, ...auditReasonFor(token) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as JsonBody };
}
const post = (body: unknown, path = '/fhir/Observation') => call('POST', path, gateway, body);
const get = (path: string, token: string = clinician) => call('GET', path, token);
const appended = async (): Promise<number> => Number((await db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);
const diagnostics = (outcome: JsonBody): string => outcome.issue.map((i: { expression?: string[]; diagnostics: string }) => `${i.expression?.join() ?? ''} ${i.diagnostics}`).join('\n');

/** The window aggregates published for the patient, latest revision per window (polls the embedded bus until `count` windows). */
async function publishedWindows(count: number, subject = patientId) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { rows } = await db.query<{ payload: Buffer }>(`SELECT payload FROM varde_bus.messages WHERE topic = 'varde.measurements.v1' AND partition_key = $1 AND type = $2`, [
      subject,
      'varde.measurements.v1.MeasurementWindowAggregated',
    ]);
    const latest = new Map<number, measurementsV1Events.MeasurementWindowAggregated>();
    for (const r of rows) {
      const e = measurementsV1Events.MeasurementWindowAggregated.decode(new Uint8Array(r.payload));
      const key = e.windowStart!.getTime();
      if ((latest.get(key)?.revision ?? 0) < e.revision) latest.set(key, e);
    }
    if (latest.size >= count || Date.now() > deadline) return [...latest.values()].sort((a, b) => a.windowStart!.getTime() - b.windowStart!.getTime());
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What a window of the hour must hold, computed here independently of the service. */
function expectedWindow(k: number) {
  const part = hour.slice(k * 300, (k + 1) * 300);
  const valid = part.filter((v): v is number => v !== 'E');
  return {
    sampleCount: valid.length,
    gapCount: part.length - valid.length,
    min: Math.min(...valid),
    max: Math.max(...valid),
    mean: valid.reduce((a, b) => a + b, 0) / valid.length,
    coveredMs: 300_000,
    timeBelowThresholdMs: valid.filter((v) => v < 90).length * 1000,
  };
}

const chunkIds: string[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  ({ pathways, sharing, measurements } = await startMeasurementsStack(databaseUrl, issuer.url, schema));
  clinician = await issuer.token('clinician');
  gateway = await issuer.token('system');
  patientId = await enrolPatient(pathways.url, clinician);
  await assignGateway(measurements.url, clinician, patientId);
  // 40 chunks of 90 s: every third window boundary falls inside a chunk, every window spans several chunks.
  for (let c = 0; c < 40; c++) {
    const created = await post(chunk(hourStart + c * 90_000, hour.slice(c * 90, (c + 1) * 90).join(' '), { identifier: [{ system: 'urn:oximeter:ox-1', value: `chunk-${c}` }] }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    chunkIds.push(created.body.id);
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([measurements?.stop(), pathways?.stop(), sharing?.stop()]);
  await db?.end();
  await issuer?.close();
});

describe('an hour of 1 Hz SpO2 in chunks', () => {
  it('stores one event per chunk, not one per sample', async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM "${schema}".emt_messages WHERE message_type = 'MeasurementStreamChunkRecorded'`);
    expect(rows[0].n).toBe(40);
  });

  it('serves the raw samples back, identical, with their timestamps', async () => {
    const from = new Date(hourStart).toISOString();
    const to = new Date(hourStart + 3_600_000).toISOString();
    const read = await get(`/api/patients/${patientId}/measurements/streams/samples?code=59408-5&from=${from}&to=${to}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ code: 'http://loinc.org|59408-5', unit: '%', chunks: chunkIds });
    expect(read.body.samples).toHaveLength(3600);
    expect(read.body.samples.map((s: JsonBody) => s.v ?? s.gap)).toEqual(hour);
    expect(read.body.samples[1234].t).toBe(new Date(hourStart + 1_234_000).toISOString());
  });

  it('returns a chunk as an Observation with valueSampledData in the canonical unit', async () => {
    const read = await get(`/fhir/Observation/${chunkIds[3]}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      resourceType: 'Observation',
      id: chunkIds[3],
      subject: { reference: `Patient/${patientId}` },
      effectivePeriod: { start: new Date(hourStart + 270_000).toISOString(), end: new Date(hourStart + 360_000).toISOString() },
      valueSampledData: { origin: { value: 0, code: '%' }, period: 1000, dimensions: 1, data: hour.slice(270, 360).join(' ') },
    });
  });

  it('serves per-window aggregates, windows spanning chunk boundaries included', async () => {
    const from = new Date(hourStart).toISOString();
    const to = new Date(hourStart + 3_600_000).toISOString();
    const read = await get(`/api/patients/${patientId}/measurements/streams/aggregates?code=59408-5&from=${from}&to=${to}&window=300`);
    expect(read.status).toBe(200);
    expect(read.body.windows).toHaveLength(12);
    read.body.windows.forEach((w: JsonBody, k: number) => {
      const { mean, ...rest } = expectedWindow(k);
      expect(w).toMatchObject({ start: new Date(hourStart + k * WINDOW_MS).toISOString(), ...rest });
      expect(w.mean).toBeCloseTo(mean, 9);
    });
  });

  it('publishes each window\'s aggregates as an integration event, from all the chunks of the window', async () => {
    const windows = await publishedWindows(12);
    expect(windows).toHaveLength(12);
    windows.forEach((w, k) => {
      const { mean, ...rest } = expectedWindow(k);
      expect(w).toMatchObject({ patientId, code: { code: '59408-5' }, unit: '%', hasThreshold: true, threshold: 90, ...rest });
      expect(w.windowStart).toEqual(new Date(hourStart + k * WINDOW_MS));
      expect(w.windowEnd).toEqual(new Date(hourStart + (k + 1) * WINDOW_MS));
      expect(w.mean).toBeCloseTo(mean, 9);
      // Window k holds samples 300k … 300k+299, i.e. chunks floor(300k/90) … floor((300k+299)/90).
      expect([...w.chunkIds].sort()).toEqual(chunkIds.slice(Math.floor((300 * k) / 90), Math.floor((300 * k + 299) / 90) + 1).sort());
    });
  });

  it('writes nothing for a duplicate chunk and returns the original', async () => {
    const before = await appended();
    const again = await post(chunk(hourStart, hour.slice(0, 90).join(' '), { identifier: [{ system: 'urn:oximeter:ox-1', value: 'chunk-0' }] }));
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(chunkIds[0]);
    expect(await appended()).toBe(before);
  });

  it('publishes a window again, one revision up, when a late chunk adds to it', async () => {
    // A second device's minute just after the hour: it opens a window the stream has not reached the end of.
    const late = await post(chunk(hourStart + 3_600_000, '91 92 93'));
    expect(late.status).toBe(201);
    const next = await post(chunk(hourStart + 3_600_000 + WINDOW_MS, '95'));
    expect(next.status).toBe(201);
    const [window] = (await publishedWindows(13)).slice(12);
    expect(window).toMatchObject({ revision: 1, sampleCount: 3, min: 91, max: 93, coveredMs: 3000, chunkIds: [late.body.id] });
    const filler = await post(chunk(hourStart + 3_600_000 + 3000, '80'));
    expect(filler.status).toBe(201);
    const deadline = Date.now() + 20_000;
    let revised = window;
    while (revised?.revision !== 2 && Date.now() < deadline) [revised] = (await publishedWindows(13)).slice(12);
    expect(revised).toMatchObject({ revision: 2, sampleCount: 4, min: 80, timeBelowThresholdMs: 1000 });
  });
});

describe('care teams', () => {
  it('refuses samples, aggregates and chunks (403) to a clinician of another care team, and serves them to an auditor', async () => {
    const range = `code=59408-5&from=${new Date(hourStart).toISOString()}&to=${new Date(hourStart + 600_000).toISOString()}`;
    const paths = [`/api/patients/${patientId}/measurements/streams/samples?${range}`, `/api/patients/${patientId}/measurements/streams/aggregates?${range}`, `/fhir/Observation/${chunkIds[0]}`];
    const stranger = await issuer.token('clinician', { careTeams: ['hjertesvikt-ous'] });
    const auditor = await issuer.token('auditor');
    for (const path of paths) {
      const refused = await get(path, stranger);
      expect(refused.status, path).toBe(403);
      expect(JSON.stringify(refused.body), path).toContain('is not on one of your care teams');
      expect((await get(path, auditor)).status, path).toBe(200);
    }
  });
});

describe('chunks in other units and in Bundles', () => {
  it('stores a chunk sent as a 0–1 fraction in percent, keeping the unit as received', async () => {
    const created = await post(chunk(hourStart - 600_000, '0.95 0.9 E', { valueSampledData: { origin: { value: 0, system: UCUM, code: '1' }, period: 1000, dimensions: 1, data: '0.95 0.9 E' } }));
    expect(created.status).toBe(201);
    expect(created.body.valueSampledData).toMatchObject({ origin: { code: '%' }, data: '95 90 E' });
  });

  it('accepts a chunk inside a batch Bundle', async () => {
    const body = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: chunk(hourStart - 900_000, '97 97 96'), request: { method: 'POST', url: 'Observation' } }] };
    const answer = await post(body, '/fhir');
    expect(answer.status).toBe(200);
    expect(answer.body.entry[0].response.status).toBe('201 Created');
  });
});

describe('bad chunks are refused with an OperationOutcome naming the problem, and nothing is appended', () => {
  const start = hourStart - 1_800_000;
  it.each([
    ['a non-numeric sample', () => chunk(start, '95 94 high 93'), 'Observation.valueSampledData.data', 'sample 2 is "high"'],
    ['a unit that does not fit SpO2', () => chunk(start, '95', { valueSampledData: { origin: { value: 0, system: UCUM, code: 'kg' }, period: 1000, dimensions: 1, data: '95' } }), 'Observation.valueSampledData.origin.code', 'expected "%"'],
    ['too many samples', () => chunk(start, Array.from({ length: 86_401 }, () => '95').join(' ')), 'Observation.valueSampledData.data', 'at most 86400 per chunk'],
    ['an end that does not fit the sample count and period', () => chunk(start, '95 96 97', { effectivePeriod: { start: new Date(start).toISOString(), end: new Date(start + 10_000).toISOString() } }), 'Observation.effectivePeriod.end', 'does not fit 3 samples every 1000 ms'],
    ['an impossible sample', () => chunk(start, '95 96 101 97'), 'Observation.valueSampledData.data', 'sample 2 is 101 %'],
    ['a period of 0', () => chunk(start, '95', { valueSampledData: { origin: { value: 0, system: UCUM, code: '%' }, period: 0, dimensions: 1, data: '95' } }), 'Observation.valueSampledData.period', 'above 0'],
  ])('%s', async (_name, body, field, message) => {
    const before = await appended();
    // Built now, not when the table is read: the patient is enrolled in beforeAll.
    const answer = await post(body());
    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(diagnostics(answer.body)).toContain(field);
    expect(diagnostics(answer.body)).toContain(message);
    expect(await appended()).toBe(before);
  });
});
