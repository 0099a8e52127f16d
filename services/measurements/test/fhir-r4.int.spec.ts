import { randomUUID } from 'node:crypto';
import { enrolPatient, freshSchema, syntheticNationalId } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startWithEnrolledPatient, type EnrolledPatient } from './enrolled-patient';

// Bodies are compared whole or element by element; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const schema = freshSchema('measurements_fhir_r4');
const UCUM = 'http://unitsofmeasure.org';
let stack: EnrolledPatient;

const loinc = (code: string, display?: string) => ({ system: 'http://loinc.org', code, ...(display ? { display } : {}) });
let second = 0;
const earlier = (): string => new Date(Date.now() - 3_600_000 + ++second * 1000).toISOString();
const pulse = (overrides: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  identifier: [{ system: 'urn:varde:test-r4', value: randomUUID() }],
  code: { coding: [loinc('8867-4')] },
  subject: { reference: `Patient/${stack.patientId}` },
  effectiveDateTime: earlier(),
  valueQuantity: { value: 60 + (second % 30), unit: 'beats/minute', system: UCUM, code: '/min' },
  ...overrides,
});

async function call(method: string, path: string, body?: unknown, token = stack.patientToken) {
  const response = await fetch(`${stack.measurements.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}
const appended = async (): Promise<number> => Number((await stack.db.query(`SELECT count(*) FROM "${schema}".emt_messages`)).rows[0].count);
const expressions = (outcome: Json): string[] => outcome.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);

/** What the server adds to an Observation it stores: id, version, time, and `issued` when the sender gave none. */
const asStored = (sent: Json, stored: Json): Json => ({
  ...sent,
  id: stored.id,
  meta: { ...sent.meta, versionId: '1', lastUpdated: stored.meta.lastUpdated },
  ...(sent.issued ? {} : { issued: stored.issued }),
});

beforeAll(async () => {
  stack = await startWithEnrolledPatient(inject('databaseUrl'), schema);
});

afterAll(() => stack?.stop());

describe('any valid R4 Observation is accepted and read back as it was sent', () => {
  const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  const rich = () =>
    pulse({
      meta: { source: 'urn:varde:test-device-gateway', profile: ['http://hl7.org/fhir/StructureDefinition/heartrate'] },
      extension: [{ url: 'http://hl7.no/fhir/StructureDefinition/no-basis-measurement-context', valueString: 'at home' }],
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' }],
      code: { coding: [loinc('8867-4', 'Heart rate'), { system: 'http://snomed.info/sct', code: '364075005', display: 'Heart rate' }], text: 'Puls' },
      effectiveDateTime: day,
      performer: [{ reference: `Patient/${stack.patientId}` }],
      interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] }],
      note: [{ text: 'målt etter trapp' }],
      method: { text: 'pulsoksymeter' },
      bodySite: { coding: [{ system: 'http://snomed.info/sct', code: '368456002', display: 'Left index finger' }] },
    });

  it('keeps extensions, notes, extra codings, meta.source and a date-only time on create, read, _history and search', async () => {
    const sent = rich();
    const created = await call('POST', '/fhir/Observation', sent);
    expect(created.status).toBe(201);
    expect(created.body).toEqual(asStored(sent, created.body));
    const read = await call('GET', `/fhir/Observation/${created.body.id}`);
    expect(read.body).toEqual(created.body);
    expect((await call('GET', `/fhir/Observation/${created.body.id}/_history/1`)).body).toEqual(created.body);
    const found = await call('GET', `/fhir/Observation?patient=${stack.patientId}&date=${day}`);
    expect(found.body.entry.map((e: Json) => e.resource)).toContainEqual(created.body);
  });

  it('reads a date-only time as that day in Europe/Oslo: found by a search for the day, not the day before', async () => {
    const sent = pulse({ effectiveDateTime: day });
    const { body } = await call('POST', '/fhir/Observation', sent);
    const dayBefore = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);
    const ids = async (date: string) => (await call('GET', `/fhir/Observation?patient=${stack.patientId}&date=${date}&_count=1000`)).body.entry.map((e: Json) => e.resource.id);
    expect(await ids(day)).toContain(body.id);
    expect(await ids(dayBefore)).not.toContain(body.id);
    expect(await ids(`ne${day}`)).not.toContain(body.id);
  });

  it('converts a weight in pounds to kg and keeps the Quantity as sent beside it', async () => {
    const sent = pulse({ code: { coding: [loinc('29463-7', 'Body Weight')] }, valueQuantity: { value: 185, unit: 'lbs', system: UCUM, code: '[lb_av]' } });
    const { status, body } = await call('POST', '/fhir/Observation', sent);
    expect(status).toBe(201);
    expect(body.valueQuantity).toEqual({
      value: expect.closeTo(83.915, 2),
      unit: 'kg',
      system: UCUM,
      code: 'kg',
      extension: [{ url: 'https://varde.no/fhir/StructureDefinition/original-quantity', valueQuantity: sent.valueQuantity }],
    });
  });
});

describe('what R4 forbids is a 400 naming the element, and nothing is written', () => {
  it.each([
    ['an unknown modifier extension', () => pulse({ modifierExtension: [{ url: 'urn:varde:test-not-really', valueBoolean: true }] }), 'Observation.modifierExtension[0]'],
    ['two value[x]', () => pulse({ valueString: '72' }), 'Observation.valueString'],
    ['month 13', () => pulse({ effectiveDateTime: '2026-13-01' }), 'Observation.effectiveDateTime'],
    ['an element R4 does not define', () => pulse({ heartbeat: 'strong' }), 'Observation.heartbeat'],
    ['a contained resource referenced from nowhere', () => pulse({ contained: [{ resourceType: 'Device', id: 'lost' }] }), 'Observation.contained[0]'],
    ['a date before 1900', () => pulse({ effectiveDateTime: '0001-01-01T00:00:00Z' }), 'Observation.effectiveDateTime'],
    ['a megabyte identifier', () => pulse({ identifier: [{ system: 'urn:varde:test-r4', value: 'x'.repeat(500_000) }] }), 'Observation.identifier[0].value'],
    ['a megabyte coding.display', () => pulse({ code: { coding: [loinc('8867-4', 'd'.repeat(500_000))] } }), 'Observation.code.coding[0].display'],
  ])('%s', async (_name, body, expression) => {
    const before = await appended();
    const result = await call('POST', '/fhir/Observation', body());
    expect(result.status).toBe(400);
    expect(expressions(result.body)).toContain(expression);
    expect(await appended()).toBe(before);
  });
});

describe('logical references: subject.identifier with a national identity number', () => {
  const FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';
  const DNR = 'urn:oid:2.16.578.1.12.4.1.4.2';
  const about = (system: string, value: string, subject: Json = {}) => pulse({ subject: { identifier: { system, value }, display: 'Kari', ...subject } });
  let clinician: string;
  let other: { patientId: string; dNumber: string };
  beforeAll(async () => {
    clinician = await stack.issuer.token('clinician');
    const dNumber = syntheticNationalId('d-number');
    other = { patientId: await enrolPatient(stack.pathways.url, clinician, dNumber), dNumber };
  });
  const storedText = async (): Promise<string> => (await stack.db.query(`SELECT string_agg(message_data::text, ' ') AS all FROM "${schema}".emt_messages`)).rows[0].all ?? '';

  it("resolves the patient's own fødselsnummer to the enrolled patient and records the literal reference, never the number", async () => {
    const sent = about(FNR, stack.nationalId);
    const created = await call('POST', '/fhir/Observation', sent);
    expect(created.status).toBe(201);
    expect(created.body.subject).toEqual({ reference: `Patient/${stack.patientId}`, display: 'Kari' });
    const read = await call('GET', `/fhir/Observation/${created.body.id}`);
    expect(read.body.subject).toEqual({ reference: `Patient/${stack.patientId}`, display: 'Kari' });
    expect(await storedText()).not.toContain(stack.nationalId);
    // Sent again, it is the same measurement.
    expect((await call('POST', '/fhir/Observation', sent)).status).toBe(200);
  });

  it("lets a clinician of the care team record for a patient named by D-number, as a single and in a batch", async () => {
    const single = await call('POST', '/fhir/Observation', about(DNR, other.dNumber), clinician);
    expect(single.status).toBe(201);
    expect(single.body.subject.reference).toBe(`Patient/${other.patientId}`);
    const unknown = syntheticNationalId();
    const entries = [about(DNR, other.dNumber), about(FNR, unknown), about(FNR, stack.nationalId)].map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } }));
    const batch = await call('POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry: entries }, clinician);
    expect(batch.body.entry.map((e: Json) => e.response.status)).toEqual(['201 Created', '422 Unprocessable Entity', '201 Created']);
    expect(JSON.stringify(batch.body)).not.toContain(unknown);
  });

  it('answers 422 without echoing the number when no enrolled patient has it, and writes nothing', async () => {
    const before = await appended();
    const unknown = syntheticNationalId();
    const result = await call('POST', '/fhir/Observation', about(FNR, unknown), clinician);
    expect(result.status).toBe(422);
    expect(expressions(result.body)).toEqual(['Observation.subject.identifier']);
    expect(JSON.stringify(result.body)).not.toContain(unknown);
    expect(await appended()).toBe(before);
  });

  it("lets a patient token write only for its own patient: another patient's number and an unknown one are both 403", async () => {
    const before = await appended();
    for (const body of [about(DNR, other.dNumber), about(FNR, syntheticNationalId())]) {
      const result = await call('POST', '/fhir/Observation', body);
      expect(result.status).toBe(403);
      expect(JSON.stringify(result.body)).not.toMatch(/\d{11}/);
    }
    expect(await appended()).toBe(before);
  });

  it.each([
    ['a number that is not one', () => about(FNR, '12345678901'), 400, 'Observation.subject.identifier.value'],
    ['a D-number under the fødselsnummer system', () => about(FNR, other.dNumber), 400, 'Observation.subject.identifier.system'],
    ['an identifier system that names no patient', () => about('urn:oid:2.16.578.1.12.4.1.2', '123'), 422, 'Observation.subject.identifier.system'],
    ['a reference and an identifier of different patients', () => about(DNR, other.dNumber, { reference: `Patient/${stack.patientId}` }), 422, 'Observation.subject'],
  ])('refuses %s, naming the element', async (_, body, status, field) => {
    const result = await call('POST', '/fhir/Observation', body(), clinician);
    expect(result.status).toBe(status);
    expect(expressions(result.body)).toEqual([field]);
  });
});

describe('one bad request never fails another', () => {
  const surrogate = () => pulse({ identifier: [{ system: 'urn:varde:test-r4', value: `x\ud800${randomUUID()}` }] });

  it('refuses an identifier with a lone UTF-16 surrogate with a 400 naming it', async () => {
    const result = await call('POST', '/fhir/Observation', surrogate());
    expect(result.status).toBe(400);
    expect(expressions(result.body)).toEqual(['Observation.identifier[0].value']);
  });

  it('records every one of 60 concurrent posts while 20 bad ones arrive among them', async () => {
    const before = await appended();
    const good = Array.from({ length: 60 }, () => pulse());
    const posts = [...good.map((r) => ['good', r] as const), ...Array.from({ length: 20 }, () => ['bad', surrogate()] as const)].sort(() => Math.random() - 0.5);
    const results = await Promise.all(posts.map(async ([kind, body]) => ({ kind, status: (await call('POST', '/fhir/Observation', body)).status })));
    expect(results.filter((r) => r.kind === 'good').map((r) => r.status)).toEqual(Array(60).fill(201));
    expect(results.filter((r) => r.kind === 'bad').map((r) => r.status)).toEqual(Array(20).fill(400));
    expect(await appended()).toBe(before + 60);
  });

  it('answers a batch entry with a lone surrogate on its own; the other entries are recorded', async () => {
    const entries = [pulse(), surrogate(), pulse()].map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } }));
    const result = await call('POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry: entries });
    expect(result.status).toBe(200);
    expect(result.body.entry.map((e: Json) => e.response.status)).toEqual(['201 Created', '400 Bad Request', '201 Created']);
    expect(expressions(result.body.entry[1].response.outcome)).toEqual(['Bundle.entry[1].resource.identifier[0].value']);
  });
});

describe('4xx where a 500 was answered', () => {
  it('refuses a search from year 0000 with a 400 naming date', async () => {
    const result = await call('GET', `/fhir/Observation?patient=${stack.patientId}&date=ge0000-01-01T00:00:00Z`);
    expect(result.status).toBe(400);
    expect(expressions(result.body)).toEqual(['date']);
  });

  it('refuses a stream chunk with a period of 1e300 ms with a 400 naming valueSampledData', async () => {
    const chunk = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [loinc('59408-5')] },
      subject: { reference: `Patient/${stack.patientId}` },
      effectivePeriod: { start: earlier() },
      valueSampledData: { origin: { value: 0, system: UCUM, code: '%' }, period: 1e300, dimensions: 1, data: '95 96 97' },
    };
    const result = await call('POST', '/fhir/Observation', chunk);
    expect(result.status).toBe(400);
    expect(expressions(result.body)).toContain('Observation.valueSampledData');
  });
});

describe('search', () => {
  // A patient of its own, so what is counted is only what this block records.
  let patientId: string;
  let token: string;
  let nationalId: string;
  const ids: Record<string, string> = {};
  const CATEGORY = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] };
  const at = (day: string, time = '08:00:00+01:00') => `${day}T${time}`;
  const find = async (query: string) => {
    const result = await call('GET', `/fhir/Observation?${query}`, undefined, token);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    return result.body;
  };
  const found = async (query: string): Promise<string[]> => ((await find(query)).entry ?? []).map((e: Json) => Object.keys(ids).find((k) => ids[k] === e.resource.id) ?? e.resource.id);

  beforeAll(async () => {
    nationalId = syntheticNationalId();
    patientId = await enrolPatient(stack.pathways.url, await stack.issuer.token('clinician'), nationalId);
    token = await stack.issuer.token('patient', { patientId });
    const subject = { reference: `Patient/${patientId}` };
    const sent: Record<string, Json> = {
      pulseDec1: pulse({ subject, category: [CATEGORY], effectiveDateTime: at('2026-12-01'), identifier: [{ system: 'urn:varde:test-search', value: 'p1' }] }),
      pulseDec2: pulse({ subject, category: [CATEGORY], effectiveDateTime: at('2026-12-02'), identifier: [{ system: 'urn:varde:test-search', value: 'p2' }] }),
      pulseNov: pulse({ subject, effectiveDateTime: '2026-11-15', identifier: [{ system: 'urn:varde:test-search', value: 'p3' }, { system: 'urn:other', value: 'second' }] }),
      spo2Dec1: pulse({ subject, code: { coding: [loinc('2708-6')] }, valueQuantity: { value: 96, unit: '%', system: UCUM, code: '%' }, effectiveDateTime: at('2026-12-01', '09:00:00+01:00'), identifier: [{ system: 'urn:varde:test-search', value: 's1' }] }),
      spo2Dec3: pulse({ subject, code: { coding: [loinc('2708-6')] }, valueQuantity: { value: 95, unit: '%', system: UCUM, code: '%' }, effectiveDateTime: at('2026-12-03'), identifier: [{ system: 'urn:varde:test-search', value: 's2' }] }),
    };
    // One at a time, so their lastUpdated order is the order they are listed in.
    for (const [name, resource] of Object.entries(sent)) {
      const created = await call('POST', '/fhir/Observation', resource, token);
      expect(created.status).toBe(201);
      ids[name] = created.body.id;
    }
  });

  it('finds by patient, subject and subject:identifier alike, and nothing for a number no enrolled patient has', async () => {
    const all = ['spo2Dec3', 'pulseDec2', 'spo2Dec1', 'pulseDec1', 'pulseNov'];
    expect(await found(`patient=${patientId}`)).toEqual(all);
    expect(await found(`subject=Patient/${patientId}`)).toEqual(all);
    expect(await found(`subject:identifier=urn:oid:2.16.578.1.12.4.1.4.1|${nationalId}`)).toEqual(all);
    const clinician = await stack.issuer.token('clinician');
    const unknown = await call('GET', `/fhir/Observation?subject:identifier=urn:oid:2.16.578.1.12.4.1.4.1|${syntheticNationalId()}`, undefined, clinician);
    expect(unknown.status).toBe(200);
    expect(unknown.body.total).toBe(0);
    // A patient naming another number is refused, enrolled or not.
    expect((await call('GET', `/fhir/Observation?subject:identifier=urn:oid:2.16.578.1.12.4.1.4.1|${stack.nationalId}`, undefined, token)).status).toBe(403);
  });

  it('filters by code (system|code, several), category, identifier, and date with every prefix and partial dates', async () => {
    expect(await found(`patient=${patientId}&code=http://loinc.org|2708-6`)).toEqual(['spo2Dec3', 'spo2Dec1']);
    expect(await found(`patient=${patientId}&code=urn:other|2708-6`)).toEqual([]);
    expect((await found(`patient=${patientId}&code=2708-6,http://loinc.org|8867-4`)).length).toBe(5);
    expect(await found(`patient=${patientId}&category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs`)).toEqual(['pulseDec2', 'pulseDec1']);
    expect(await found(`patient=${patientId}&identifier=urn:varde:test-search|p2`)).toEqual(['pulseDec2']);
    expect(await found(`patient=${patientId}&identifier=urn:other|second`)).toEqual(['pulseNov']);
    expect(await found(`patient=${patientId}&identifier=p1,s2`)).toEqual(['spo2Dec3', 'pulseDec1']);
    const dates: [string, string[]][] = [
      ['2026-12-01', ['spo2Dec1', 'pulseDec1']],
      ['eq2026-12', ['spo2Dec3', 'pulseDec2', 'spo2Dec1', 'pulseDec1']],
      ['ne2026-12', ['pulseNov']],
      ['gt2026-12-01', ['spo2Dec3', 'pulseDec2']],
      ['sa2026-12-01', ['spo2Dec3', 'pulseDec2']],
      ['lt2026-12-01', ['pulseNov']],
      ['eb2026-12-01', ['pulseNov']],
      ['ge2026-12-02', ['spo2Dec3', 'pulseDec2']],
      ['le2026-12-02', ['pulseDec2', 'spo2Dec1', 'pulseDec1', 'pulseNov']],
      ['2026-11-15', ['pulseNov']],
      ['2026', ['spo2Dec3', 'pulseDec2', 'spo2Dec1', 'pulseDec1', 'pulseNov']],
      ['eq2026-12-01T09:00:00+01:00', ['spo2Dec1']],
    ];
    for (const [value, expected] of dates) expect(await found(`patient=${patientId}&date=${encodeURIComponent(value)}`), value).toEqual(expected);
    expect(await found(`patient=${patientId}&date=ap2026-12-02`)).toEqual(expect.arrayContaining(['pulseDec2']));
    expect(await found(`patient=${patientId}&date=ge2026-12-01&date=lt2026-12-03`)).toEqual(['pulseDec2', 'spo2Dec1', 'pulseDec1']);
  });

  it('filters and sorts by _lastUpdated, and pages through the sorted result', async () => {
    const order = ['pulseDec1', 'pulseDec2', 'pulseNov', 'spo2Dec1', 'spo2Dec3'];
    expect(await found(`patient=${patientId}&_sort=_lastUpdated`)).toEqual(order);
    expect(await found(`patient=${patientId}&_sort=-_lastUpdated`)).toEqual([...order].reverse());
    expect(await found(`patient=${patientId}&_sort=date`)).toEqual(['pulseNov', 'pulseDec1', 'spo2Dec1', 'pulseDec2', 'spo2Dec3']);
    const since = (await find(`patient=${patientId}&identifier=s1`)).entry[0].resource.meta.lastUpdated as string;
    expect(await found(`patient=${patientId}&_lastUpdated=ge${encodeURIComponent(since)}&_sort=_lastUpdated`)).toEqual(['spo2Dec1', 'spo2Dec3']);
    expect(await found(`patient=${patientId}&_lastUpdated=lt2000-01-01`)).toEqual([]);
    const seen: string[] = [];
    let page = await find(`patient=${patientId}&_sort=_lastUpdated&_count=2`);
    for (;;) {
      seen.push(...page.entry.map((e: Json) => Object.keys(ids).find((k) => ids[k] === e.resource.id)));
      const next = page.link.find((l: Json) => l.relation === 'next');
      if (!next) break;
      expect(next.url).toContain('_sort=_lastUpdated');
      page = await find((next.url as string).split('?')[1]!);
    }
    expect(seen).toEqual(order);
  });

  it('returns only the elements _elements names, with the mandatory ones, tagged SUBSETTED', async () => {
    const bundle = await find(`patient=${patientId}&identifier=p1&_elements=effectiveDateTime,valueQuantity`);
    const resource = bundle.entry[0].resource;
    expect(Object.keys(resource).sort()).toEqual(['code', 'effectiveDateTime', 'id', 'meta', 'resourceType', 'status', 'valueQuantity']);
    expect(resource.meta.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
  });

  it('answers $lastn with max above 1 for several codes: the newest of each code first', async () => {
    const result = await call('GET', `/fhir/Observation/$lastn?patient=${patientId}&code=2708-6,8867-4&max=2`, undefined, token);
    expect(result.status).toBe(200);
    const byCode = result.body.entry.map((e: Json) => `${e.resource.code.coding[0].code}:${Object.keys(ids).find((k) => ids[k] === e.resource.id)}`);
    expect(byCode).toEqual(['2708-6:spo2Dec3', '2708-6:spo2Dec1', '8867-4:pulseDec2', '8867-4:pulseDec1']);
    expect((await call('GET', `/fhir/Observation/$lastn?patient=${patientId}&max=0`, undefined, token)).status).toBe(400);
  });
});

describe('Bundles: references between transaction entries and conditional entries', () => {
  const post = (resource: Json, extra: Json = {}) => ({ resource, request: { method: 'POST', url: 'Observation', ...extra } });

  it('resolves urn:uuid references between the entries of a transaction to the ids they get', async () => {
    const [a, b] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
    const result = await call('POST', '/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: b, ...post(pulse({ derivedFrom: [{ reference: a }], hasMember: [{ reference: a }] })) },
        { fullUrl: a, ...post(pulse()) },
      ],
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const [idB, idA] = result.body.entry.map((e: Json) => (e.response.location as string).split('/')[1]);
    const read = await call('GET', `/fhir/Observation/${idB}`);
    expect(read.body.derivedFrom).toEqual([{ reference: `Observation/${idA}` }]);
    expect(read.body.hasMember).toEqual([{ reference: `Observation/${idA}` }]);
    expect((await call('GET', `/fhir/Observation/${idA}`)).status).toBe(200);
  });

  it('refuses a transaction with a urn:uuid reference to no entry, naming it, and writes nothing', async () => {
    const before = await appended();
    const result = await call('POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [post(pulse()), post(pulse({ derivedFrom: [{ reference: `urn:uuid:${randomUUID()}` }] }))] });
    expect(result.status).toBe(400);
    expect(expressions(result.body)).toEqual(['Bundle.entry[1].resource.derivedFrom[0].reference']);
    expect(await appended()).toBe(before);
  });

  it('answers a conditional entry (ifNoneExist) with the match, writing nothing, in a batch and in a transaction', async () => {
    const identifier = { system: 'urn:varde:test-r4', value: randomUUID() };
    const first = await call('POST', '/fhir/Observation', pulse({ identifier: [identifier] }));
    expect(first.status).toBe(201);
    const condition = { ifNoneExist: `identifier=${identifier.system}|${identifier.value}` };
    for (const type of ['batch', 'transaction']) {
      const before = await appended();
      const other = pulse({ identifier: [identifier], valueQuantity: { value: 120, unit: 'beats/minute', system: UCUM, code: '/min' } });
      const result = await call('POST', '/fhir', { resourceType: 'Bundle', type, entry: [post(other, condition)] });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body.entry[0].response).toMatchObject({ status: '200 OK', location: `Observation/${first.body.id}/_history/1`, etag: 'W/"1"' });
      expect(await appended()).toBe(before);
    }
    // A condition Varde cannot evaluate fails that entry with 412, as a single create does.
    const unsupported = await call('POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry: [post(pulse(), { ifNoneExist: 'code=8867-4' })] });
    expect(unsupported.body.entry[0].response.status).toBe('412 Precondition Failed');
  });
});

describe('HTTP conformance', () => {
  const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(`${stack.measurements.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.patientToken}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('answers a create with an absolute versioned Location, a weak ETag and Last-Modified; read and vread carry them too', async () => {
    const response = await raw('POST', '/fhir/Observation', {}, pulse());
    expect(response.status).toBe(201);
    const created = (await response.json()) as Json;
    expect(response.headers.get('location')).toBe(`${stack.measurements.url}/fhir/Observation/${created.id}/_history/1`);
    expect(response.headers.get('etag')).toBe('W/"1"');
    expect(Date.parse(response.headers.get('last-modified')!)).toBe(Math.floor(Date.parse(created.meta.lastUpdated) / 1000) * 1000);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    for (const path of [`/fhir/Observation/${created.id}`, `/fhir/Observation/${created.id}/_history/1`]) {
      const read = await raw('GET', path);
      expect(read.headers.get('etag')).toBe('W/"1"');
      expect(read.headers.get('last-modified')).toBe(response.headers.get('last-modified'));
    }
  });

  it('updates with If-Match: the version read is corrected (200, new ETag), a stale one is a 412 and writes nothing', async () => {
    const { body: created } = await call('POST', '/fhir/Observation', pulse());
    const corrected = (value: number) => ({ ...created, status: 'amended', valueQuantity: { ...created.valueQuantity, value }, note: [{ text: 'typed wrong' }] });
    const first = await raw('PUT', `/fhir/Observation/${created.id}`, { 'if-match': 'W/"1"' }, corrected(111));
    expect(first.status, await first.clone().text()).toBe(200);
    expect(first.headers.get('etag')).toBe('W/"2"');
    expect(((await first.json()) as Json).valueQuantity.value).toBe(111);
    const before = await appended();
    const stale = await raw('PUT', `/fhir/Observation/${created.id}`, { 'if-match': 'W/"1"' }, corrected(112));
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as Json).resourceType).toBe('OperationOutcome');
    expect(await appended()).toBe(before);
    expect((await raw('PUT', `/fhir/Observation/${created.id}`, { 'if-match': 'yesterday' }, corrected(112))).status).toBe(400);
    const minimal = await raw('PUT', `/fhir/Observation/${created.id}`, { 'if-match': '"2"', prefer: 'return=minimal' }, corrected(113));
    expect(minimal.status).toBe(200);
    expect(await minimal.text()).toBe('');
    expect(minimal.headers.get('location')).toBe(`${stack.measurements.url}/fhir/Observation/${created.id}/_history/3`);
  });

  it('updates conditionally (PUT Observation?identifier=): creates, takes the same again, refuses other content, corrects with If-Match', async () => {
    const identifier = { system: 'urn:varde:test-r4', value: randomUUID() };
    const url = `/fhir/Observation?identifier=${encodeURIComponent(`${identifier.system}|${identifier.value}`)}`;
    const sent = pulse({ identifier: [identifier] });
    const created = await raw('PUT', url, {}, sent);
    expect(created.status, await created.clone().text()).toBe(201);
    const stored = (await created.json()) as Json;
    expect(stored).toEqual(asStored(sent, stored));
    expect(created.headers.get('location')).toBe(`${stack.measurements.url}/fhir/Observation/${stored.id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    const before = await appended();
    const again = await raw('PUT', url, {}, sent);
    expect(again.status).toBe(200);
    expect(((await again.json()) as Json).id).toBe(stored.id);
    const other = await raw('PUT', url, {}, { ...sent, valueQuantity: { ...sent.valueQuantity, value: 140 } });
    expect(other.status).toBe(409);
    expect(await appended()).toBe(before);
    // A correction's status corrects the measurement the identifier names; a stale If-Match is a 412 and writes nothing.
    const amended = { ...stored, status: 'amended', valueQuantity: { ...stored.valueQuantity, value: 77 }, note: [{ text: 'read off wrong' }] };
    const corrected = await raw('PUT', url, { 'if-match': 'W/"1"' }, amended);
    expect(corrected.status, await corrected.clone().text()).toBe(200);
    expect(corrected.headers.get('etag')).toBe('W/"2"');
    expect(((await corrected.json()) as Json).valueQuantity.value).toBe(77);
    const written = await appended();
    expect((await raw('PUT', url, { 'if-match': 'W/"1"' }, { ...amended, valueQuantity: { ...stored.valueQuantity, value: 78 } })).status).toBe(412);
    // A condition that names another identifier than the Observation's, none at all, or another search is refused.
    const elsewhere = await raw('PUT', `/fhir/Observation?identifier=${encodeURIComponent('urn:varde:test-r4|other')}`, {}, pulse({ identifier: [identifier] }));
    expect(elsewhere.status).toBe(400);
    expect(expressions((await elsewhere.json()) as Json)).toContain('url');
    expect((await raw('PUT', '/fhir/Observation', {}, pulse())).status).toBe(400);
    expect((await raw('PUT', '/fhir/Observation?code=8867-4', {}, pulse())).status).toBe(412);
    expect(await appended()).toBe(written);
  });

  it('follows Prefer: return=minimal (no body) and return=OperationOutcome', async () => {
    const minimal = await raw('POST', '/fhir/Observation', { prefer: 'return=minimal' }, pulse());
    expect(minimal.status).toBe(201);
    expect(await minimal.text()).toBe('');
    expect(minimal.headers.get('location')).toMatch(/\/fhir\/Observation\/[0-9a-f-]{36}\/_history\/1$/);
    const outcome = await raw('POST', '/fhir/Observation', { prefer: 'return=OperationOutcome' }, pulse());
    expect(((await outcome.json()) as Json).resourceType).toBe('OperationOutcome');
  });

  it('creates conditionally with If-None-Exist: the second create returns the first and writes nothing', async () => {
    const identifier = { system: 'urn:varde:test-r4', value: randomUUID() };
    const condition = { 'if-none-exist': `identifier=${identifier.system}|${identifier.value}` };
    const first = await raw('POST', '/fhir/Observation', condition, pulse({ identifier: [identifier] }));
    expect(first.status).toBe(201);
    const before = await appended();
    const second = await raw('POST', '/fhir/Observation', condition, pulse({ identifier: [identifier], valueQuantity: { value: 99, system: UCUM, code: '/min' } }));
    expect(second.status).toBe(200);
    expect(((await second.json()) as Json).id).toBe(((await first.json()) as Json).id);
    expect(await appended()).toBe(before);
    expect((await raw('POST', '/fhir/Observation', { 'if-none-exist': 'code=8867-4' }, pulse())).status).toBe(412);
  });

  it('speaks JSON only: _format=json and Accept JSON are served, XML is a 406', async () => {
    expect((await raw('GET', `/fhir/Observation?patient=${stack.patientId}&_format=json`)).status).toBe(200);
    expect((await raw('GET', `/fhir/Observation?patient=${stack.patientId}`, { accept: 'application/fhir+json' })).status).toBe(200);
    expect((await raw('GET', `/fhir/Observation?patient=${stack.patientId}&_format=xml`)).status).toBe(406);
    expect((await raw('GET', `/fhir/Observation?patient=${stack.patientId}`, { accept: 'application/fhir+xml' })).status).toBe(406);
  });

  it('pages with absolute links and fullUrls; _summary=count gives the total alone', async () => {
    await Promise.all([pulse(), pulse(), pulse()].map((r) => call('POST', '/fhir/Observation', r)));
    const page = (await call('GET', `/fhir/Observation?patient=${stack.patientId}&_count=2`)).body;
    expect(page.entry).toHaveLength(2);
    for (const e of page.entry) expect(e.fullUrl).toBe(`${stack.measurements.url}/fhir/Observation/${e.resource.id}`);
    const next = page.link.find((l: Json) => l.relation === 'next').url as string;
    expect(next.startsWith(`${stack.measurements.url}/fhir/Observation?`)).toBe(true);
    const second = (await (await raw('GET', next.slice(stack.measurements.url.length))).json()) as Json;
    expect(second.entry.map((e: Json) => e.resource.id)).not.toContain(page.entry[0].resource.id);
    const counted = (await call('GET', `/fhir/Observation?patient=${stack.patientId}&_summary=count&_total=accurate`)).body;
    expect(counted.total).toBe(page.total);
    expect(counted.entry).toBeUndefined();
  });

  it('follows Prefer: handling=lenient for unknown search parameters, strict by default', async () => {
    expect((await raw('GET', `/fhir/Observation?patient=${stack.patientId}&unknown=1`)).status).toBe(400);
    expect((await raw('GET', `/fhir/Observation?patient=${stack.patientId}&unknown=1`, { prefer: 'handling=lenient' })).status).toBe(200);
  });

  it('takes a batch posted to the base with a trailing slash', async () => {
    const result = await raw('POST', '/fhir/', {}, { resourceType: 'Bundle', type: 'batch', entry: [{ resource: pulse(), request: { method: 'POST', url: 'Observation' } }] });
    expect(result.status).toBe(200);
    expect(((await result.json()) as Json).type).toBe('batch-response');
  });

  it('refuses a collection Bundle, saying to send it as a batch', async () => {
    const result = await call('POST', '/fhir', { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:0d7b3b9e-7f7a-4c54-9a55-3f3f0c1d2e01', resource: pulse() }] });
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.body)).toContain('send it as \\"batch\\"');
  });

  it('describes itself in GET /fhir/metadata without a token, and every interaction it lists is served', async () => {
    const response = await fetch(`${stack.measurements.url}/fhir/metadata`);
    expect(response.status).toBe(200);
    const statement = (await response.json()) as Json;
    expect(statement).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', format: expect.arrayContaining(['json']), kind: 'instance' });
    const rest = statement.rest[0];
    expect(rest.interaction.map((i: Json) => i.code).sort()).toEqual(['batch', 'transaction']);
    const observation = rest.resource.find((r: Json) => r.type === 'Observation');
    expect(observation.interaction.map((i: Json) => i.code).sort()).toEqual(['create', 'read', 'search-type', 'update', 'vread']);
    expect(observation.searchParam.map((p: Json) => p.name)).toEqual(['patient', 'subject', 'code', 'category', 'date', 'identifier', '_lastUpdated']);
    expect(observation.operation.map((o: Json) => o.name)).toEqual(['lastn']);
    expect(observation.conditionalCreate).toBe(true);
    expect(observation.conditionalUpdate).toBe(true);
    expect(observation.versioning).toBe('versioned-update');
    expect(rest.security.extension[0].extension[0].url).toBe('token');
    // Each interaction listed answers at its route (no 404 or 405).
    const { body: created } = await call('POST', '/fhir/Observation', pulse());
    const probes: Record<string, () => Promise<Response>> = {
      create: () => raw('POST', '/fhir/Observation', {}, pulse()),
      read: () => raw('GET', `/fhir/Observation/${created.id}`),
      vread: () => raw('GET', `/fhir/Observation/${created.id}/_history/1`),
      'search-type': () => raw('GET', `/fhir/Observation?patient=${stack.patientId}`),
      update: () => raw('PUT', `/fhir/Observation/${created.id}`, {}, { ...created, valueQuantity: { ...created.valueQuantity, value: 61 } }),
      lastn: () => raw('GET', `/fhir/Observation/$lastn?patient=${stack.patientId}`),
      batch: () => raw('POST', '/fhir', {}, { resourceType: 'Bundle', type: 'batch', entry: [] }),
    };
    for (const code of [...observation.interaction.map((i: Json) => i.code), 'lastn', 'batch']) {
      const status = (await probes[code]!()).status;
      expect([404, 405], `${code} answered ${status}`).not.toContain(status);
    }
  });
});
