import { randomUUID } from 'node:crypto';
import { integrationEventTypes } from '@varde/contracts';
import { enrolPatient, freshSchema, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startMeasurementsStack } from './measurements-stack';

// Bodies are checked field by field; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('measurements_bundles');
const UCUM = 'http://unitsofmeasure.org';
const RECORDED = 'varde.measurements.v1.MeasurementRecorded';
let issuer: TestIssuer;
let measurements: ServiceProcess;
let stop: () => Promise<unknown>;
let db: pg.Pool;
let patientId: string;
let token: string;

let second = 0;
/** An SpO2 or pulse reading with its own identifier, a second after the previous one. */
const reading = (value = `reading-${randomUUID()}`, overrides: Record<string, unknown> = {}) => {
  const pulse = ++second % 2 === 0;
  return {
    resourceType: 'Observation',
    status: 'final',
    identifier: [{ system: 'urn:varde:test-bundles', value }],
    code: { coding: [{ system: 'http://loinc.org', code: pulse ? '8867-4' : '59408-5' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date(Date.now() - 7_200_000 + second * 1000).toISOString(),
    valueQuantity: pulse ? { value: 60 + (second % 30), system: UCUM, code: '/min' } : { value: 94 + (second % 5), system: UCUM, code: '%' },
    ...overrides,
  };
};
const bundle = (type: 'batch' | 'transaction', resources: readonly unknown[]) => ({ resourceType: 'Bundle', type, entry: resources.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })) });

async function post(body: unknown) {
  const response = await fetch(`${measurements.url}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as JsonBody };
}
const statuses = (answer: { body: JsonBody }): string[] => answer.body.entry.map((e: JsonBody) => e.response.status);
const idsOf = (answer: { body: JsonBody }): string[] => answer.body.entry.map((e: JsonBody) => String(e.response.location).slice('Observation/'.length));
const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await db.query(sql, params)).rows[0].count);
const appended = () => count(`SELECT count(*) FROM "${schema}".emt_messages`);
const eventsPerMeasurement = async (ids: readonly string[]): Promise<number[]> =>
  (await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".emt_messages WHERE stream_id = ANY($1) GROUP BY stream_id ORDER BY stream_id`, [ids.map((id) => `measurement-${id}`)])).rows.map((r) => Number(r.n));
const readModelRows = (ids: readonly string[]) => count(`SELECT count(*) FROM "${schema}".measurements WHERE measurement_id = ANY($1) AND position = 1`, [ids]);

/** How often each of `ids` was published as MeasurementRecorded on the embedded bus. */
async function publications(ids: readonly string[]): Promise<Map<string, number>> {
  const wanted = new Set(ids);
  const { rows } = await db.query<{ payload: Buffer }>(`SELECT payload FROM varde_bus.messages WHERE topic = 'varde.measurements.v1' AND partition_key = $1 AND type = $2`, [patientId, RECORDED]);
  const seen = new Map<string, number>();
  for (const row of rows) {
    const { measurementId } = integrationEventTypes[RECORDED].decode(new Uint8Array(row.payload));
    if (wanted.has(measurementId)) seen.set(measurementId, (seen.get(measurementId) ?? 0) + 1);
  }
  return seen;
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  db = new pg.Pool({ connectionString: databaseUrl });
  const services = await startMeasurementsStack(databaseUrl, issuer.url, schema);
  measurements = services.measurements;
  stop = () => Promise.allSettled(Object.values(services).map((s) => s.stop()));
  patientId = await enrolPatient(services.pathways.url, await issuer.token('clinician'));
  token = await issuer.token('patient', { patientId });
});

afterAll(async () => {
  await stop?.();
  await db?.end();
  await issuer?.close();
});

describe('POST /fhir: a Bundle is decided together and written in one transaction', () => {
  it('records a batch of 1 000 entries with every read-model row, and the relay publishes each exactly once', async () => {
    const answer = await post(bundle('batch', Array.from({ length: 1000 }, () => reading())));
    expect(answer.status).toBe(200);
    expect(new Set(statuses(answer))).toEqual(new Set(['201 Created']));
    const ids = idsOf(answer);
    expect(new Set(ids).size).toBe(1000);
    expect(await eventsPerMeasurement(ids)).toEqual(Array(1000).fill(1));
    expect(await readModelRows(ids)).toBe(1000);

    const deadline = Date.now() + 30_000;
    while ((await publications(ids)).size < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    // A little longer: a second publication of any of them would show now.
    await new Promise((r) => setTimeout(r, 1000));
    const published = await publications(ids);
    expect(published.size).toBe(1000);
    expect(new Set(published.values())).toEqual(new Set([1]));
  }, 90_000);

  it('batch: the same identifier twice with other content is a 409 for the second alone; sent again, 200 for the first and 409 again', async () => {
    const identifier = `reading-${randomUUID()}`;
    const resources = [reading(identifier), reading(identifier), reading()];
    const first = await post(bundle('batch', resources));
    expect(statuses(first)).toEqual(['201 Created', '409 Conflict', '201 Created']);
    const before = await appended();
    const again = await post(bundle('batch', resources));
    expect(statuses(again)).toEqual(['200 OK', '409 Conflict', '200 OK']);
    expect(again.body.entry[0].response.location).toBe(first.body.entry[0].response.location);
    expect(await appended()).toBe(before);
  });

  describe('a transaction that the database refuses after every entry was validated and decided', () => {
    const refused = `refused-by-the-database-${randomUUID()}`;
    beforeAll(async () => {
      // Stands for any failure of the append (disk full, a lost connection, a constraint): the third of five events is refused.
      await db.query(`CREATE FUNCTION "${schema}".refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
      await db.query(`CREATE TRIGGER refuse_marked BEFORE INSERT ON "${schema}".emt_messages FOR EACH ROW WHEN (NEW.message_data->'identifier'->>'value' = '${refused}') EXECUTE FUNCTION "${schema}".refuse_marked()`);
    });
    afterAll(async () => {
      await db.query(`DROP TRIGGER IF EXISTS refuse_marked ON "${schema}".emt_messages`);
    });

    it('writes nothing, no event and no read-model row; sent again once the database accepts it, all are recorded', async () => {
      const resources = [reading(), reading(), reading(refused), reading(), reading()];
      const [eventsBefore, rowsBefore] = [await appended(), await count(`SELECT count(*) FROM "${schema}".measurements`)];
      const answer = await post(bundle('transaction', resources));
      expect(answer.status).toBe(500);
      expect(answer.body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(answer.body)).not.toMatch(/refused by the test|at .*\.ts:\d+/);
      expect(await appended()).toBe(eventsBefore);
      expect(await count(`SELECT count(*) FROM "${schema}".measurements`)).toBe(rowsBefore);

      await db.query(`DROP TRIGGER refuse_marked ON "${schema}".emt_messages`);
      const again = await post(bundle('transaction', resources));
      expect(again.status).toBe(200);
      expect(statuses(again)).toEqual(Array(5).fill('201 Created'));
      expect(await appended()).toBe(eventsBefore + 5);
      expect(await readModelRows(idsOf(again))).toBe(5);
    });
  });

  it('concurrent identical batches record each measurement once: one answer 201, the others 200 with the same id', async () => {
    const resources = Array.from({ length: 200 }, () => reading());
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(bundle('batch', resources))));
    for (let i = 0; i < resources.length; i++) {
      expect(answers.map((a) => statuses(a)[i]).sort()).toEqual(['200 OK', '200 OK', '200 OK', '200 OK', '201 Created']);
      expect(new Set(answers.map((a) => idsOf(a)[i])).size).toBe(1);
    }
    expect(await eventsPerMeasurement(idsOf(answers[0]!))).toEqual(Array(200).fill(1));
  });

  it('concurrent identical transactions: each entry is created by exactly one of them and written once', async () => {
    const resources = Array.from({ length: 200 }, () => reading());
    const answers = await Promise.all(Array.from({ length: 3 }, () => post(bundle('transaction', resources))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    for (let i = 0; i < resources.length; i++) expect(answers.map((a) => statuses(a)[i]).sort()).toEqual(['200 OK', '200 OK', '201 Created']);
    expect(await eventsPerMeasurement(idsOf(answers[0]!))).toEqual(Array(200).fill(1));
    expect(await readModelRows(idsOf(answers[0]!))).toBe(200);
  });

  it('a transaction with a stream chunk and point values records them all', async () => {
    const chunk = {
      resourceType: 'Observation',
      status: 'final',
      identifier: [{ system: 'urn:varde:test-bundles', value: `chunk-${randomUUID()}` }],
      code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
      subject: { reference: `Patient/${patientId}` },
      effectivePeriod: { start: new Date(Math.floor((Date.now() - 10_800_000) / 60_000) * 60_000).toISOString() },
      valueSampledData: { origin: { value: 0, system: UCUM, code: '%' }, period: 1000, dimensions: 1, data: '96 95 95 94' },
    };
    const answer = await post(bundle('transaction', [reading(), chunk, reading()]));
    expect(answer.status).toBe(200);
    expect(statuses(answer)).toEqual(['201 Created', '201 Created', '201 Created']);
    expect(await count(`SELECT count(*) FROM "${schema}".emt_messages WHERE stream_id = $1`, [`sample-chunk-${idsOf(answer)[1]}`])).toBe(1);
  });
});

describe('POST /fhir: PUT entries update (correct) Observations, and conditional PUT entries create them', () => {
  const put = (url: string, resource: unknown, extra: Record<string, unknown> = {}) => ({ resource, request: { method: 'PUT', url, ...extra } });
  const create = (resource: unknown) => ({ resource, request: { method: 'POST', url: 'Observation' } });
  const amend = (value: number, reason = 'probe slipped') => ({ resourceType: 'Observation', status: 'amended', valueQuantity: { value, code: '%' }, note: [{ text: reason }] });
  const asClinician = async (body: unknown) => {
    const response = await fetch(`${measurements.url}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${await issuer.token('clinician')}` }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as JsonBody };
  };
  const read = async (id: string): Promise<JsonBody> => {
    const response = await fetch(`${measurements.url}/fhir/Observation/${id}`, { headers: { authorization: `Bearer ${await issuer.token('clinician')}` } });
    return (await response.json()) as JsonBody;
  };
  /** An SpO2 reading recorded now; its id. */
  const recordedSpo2 = async (): Promise<string> => {
    let resource = reading();
    while (resource.code.coding[0]!.code !== '59408-5') resource = reading();
    const answer = await post(bundle('batch', [resource]));
    expect(statuses(answer)).toEqual(['201 Created']);
    return idsOf(answer)[0]!;
  };

  it('batch: a PUT entry amends a recorded measurement, another marks one entered-in-error, each with its reason', async () => {
    const [a, b] = [await recordedSpo2(), await recordedSpo2()];
    const answer = await asClinician({ resourceType: 'Bundle', type: 'batch', entry: [put(`Observation/${a}`, amend(91)), put(`Observation/${b}`, { resourceType: 'Observation', status: 'entered-in-error', note: [{ text: 'wrong patient' }] })] });
    expect(answer.status).toBe(200);
    expect(statuses(answer)).toEqual(['200 OK', '200 OK']);
    expect(idsOf(answer)).toEqual([a, b]);
    expect(await read(a)).toMatchObject({ status: 'amended', valueQuantity: { value: 91 }, meta: { versionId: '2' } });
    expect((await read(b)).status).toBe('entered-in-error');
  });

  it('batch: a PUT entry at a stale If-Match is a 412 for that entry alone, and a PUT of an unknown id a 404', async () => {
    const [a, b] = [await recordedSpo2(), await recordedSpo2()];
    const answer = await asClinician({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [put(`Observation/${a}`, amend(90), { ifMatch: 'W/"2"' }), put(`Observation/${b}`, amend(92), { ifMatch: 'W/"1"' }), put('Observation/00000000-0000-4000-8000-000000000000', amend(92))],
    });
    expect(statuses(answer)).toEqual(['412 Precondition Failed', '200 OK', '404 Not Found']);
    expect(JSON.stringify(answer.body.entry[0].response.outcome)).toMatch(/is at version 1, not 2/);
    expect((await read(a)).meta.versionId).toBe('1');
    expect((await read(b)).valueQuantity.value).toBe(92);
  });

  it('transaction: creates and corrections commit together; one refused entry leaves every measurement as it was', async () => {
    const a = await recordedSpo2();
    const fresh = reading();
    const refused = await asClinician({ resourceType: 'Bundle', type: 'transaction', entry: [create(fresh), put(`Observation/${a}`, amend(88), { ifMatch: 'W/"2"' })] });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/Bundle\.entry\[1\]\.resource: If-Match: Observation\/[0-9a-f-]+ is at version 1, not 2/);
    const twice = await asClinician({ resourceType: 'Bundle', type: 'transaction', entry: [create(fresh), put(`Observation/${a}`, amend(89)), put(`Observation/${a}`, amend(88))] });
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.body)).toMatch(/Bundle\.entry\[2\]\.request\.url: Observation\/[0-9a-f-]+ is also written by entry 1/);
    expect((await read(a)).meta.versionId).toBe('1');
    expect(await count(`SELECT count(*) FROM "${schema}".emt_messages WHERE message_data->'identifier'->>'value' = $1`, [fresh.identifier[0]!.value])).toBe(0);

    // Refused only when decided in the database transaction, after the new measurement was appended in it.
    const gone = await recordedSpo2();
    expect(statuses(await asClinician({ resourceType: 'Bundle', type: 'batch', entry: [put(`Observation/${gone}`, { resourceType: 'Observation', status: 'entered-in-error', note: [{ text: 'wrong patient' }] })] }))).toEqual(['200 OK']);
    const eventsBefore = await appended();
    const decidedAgainst = await asClinician({ resourceType: 'Bundle', type: 'transaction', entry: [create(fresh), put(`Observation/${gone}`, amend(93))] });
    expect(decidedAgainst.status).toBe(400);
    expect(JSON.stringify(decidedAgainst.body)).toMatch(/Bundle\.entry\[1\]\.resource.*entered-in-error/);
    expect(await appended()).toBe(eventsBefore);

    const accepted = await asClinician({ resourceType: 'Bundle', type: 'transaction', entry: [create(fresh), put(`Observation/${a}`, amend(89), { ifMatch: 'W/"1"' })] });
    expect(accepted.status).toBe(200);
    expect(statuses(accepted)).toEqual(['201 Created', '200 OK']);
    expect(await read(a)).toMatchObject({ status: 'amended', valueQuantity: { value: 89 } });
    expect(await readModelRows([idsOf(accepted)[0]!])).toBe(1);
  });

  it('a conditional PUT on the identifier creates the Observation, the same again changes nothing, other content is a 409, and a correction status corrects it', async () => {
    const resource = reading();
    const condition = `Observation?identifier=${encodeURIComponent(`${resource.identifier[0]!.system}|${resource.identifier[0]!.value}`)}`;
    const first = await post({ resourceType: 'Bundle', type: 'batch', entry: [put(condition, resource)] });
    expect(statuses(first)).toEqual(['201 Created']);
    const id = idsOf(first)[0]!;
    const before = await appended();
    const again = await post({ resourceType: 'Bundle', type: 'batch', entry: [put(condition, resource), put(condition, { ...resource, valueQuantity: { ...resource.valueQuantity, value: resource.valueQuantity.value - 1 } })] });
    expect(statuses(again)).toEqual(['200 OK', '409 Conflict']);
    expect(idsOf(again)[0]).toBe(id);
    expect(await appended()).toBe(before);
    const unit = resource.valueQuantity.code;
    const corrected = await asClinician({ resourceType: 'Bundle', type: 'batch', entry: [put(condition, { resourceType: 'Observation', status: 'amended', valueQuantity: { value: resource.valueQuantity.value + 1, code: unit }, note: [{ text: 'typo' }] })] });
    expect(statuses(corrected)).toEqual(['200 OK']);
    expect((await read(id)).valueQuantity.value).toBe(resource.valueQuantity.value + 1);
  });

  it.each([
    ['a PUT to the type', { method: 'PUT', url: 'Observation' }, /request\.url.*Observation\/<id>/],
    ['a POST to an id', { method: 'POST', url: 'Observation/abc' }, /request\.url.*a POST entry creates/],
    ['a DELETE', { method: 'DELETE', url: 'Observation/abc' }, /request\.method: expected \\"POST\\".*\\"PUT\\"/],
    ['a conditional PUT naming another identifier', { method: 'PUT', url: 'Observation?identifier=urn:x|not-this-one' }, /request\.url.*another identifier/],
    ['a conditional PUT on another search', { method: 'PUT', url: 'Observation?code=59408-5' }, /request\.url: supported is identifier=/],
    ['an If-Match that is no ETag', { method: 'PUT', url: 'Observation/00000000-0000-4000-8000-000000000000', ifMatch: 'two' }, /request\.ifMatch.*ETag/],
  ])('refuses %s with a message naming the request element, and writes nothing', async (_what, request, message) => {
    const before = await appended();
    const answer = await post({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: reading(), request }] });
    expect(answer.status).toBe(200);
    expect(statuses(answer)[0]).toMatch(/^4\d\d/);
    expect(JSON.stringify(answer.body.entry[0].response.outcome)).toMatch(message);
    expect(await appended()).toBe(before);
  });
});
