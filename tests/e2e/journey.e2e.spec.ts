import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, platformPortOffset, startTraceCollector, syntheticNationalId, type TraceCollector, auditReasonFor } from '@varde/testing';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { startPlatform, type RunningPlatform } from '../../deploy/local/platform';

type WorklistEntry = { patientId: string; colour: 'red' | 'yellow' | 'green'; reasons: string[]; since: string };

const repoRoot = join(__dirname, '..', '..');

/**
 * The skeleton journey of issue #2 over the real Kafka broker, real gRPC and real PostgreSQL, with each
 * service in its own process behind the public router: enrol → CAT assigned → CAT answered → SpO2 sent →
 * red on the worklist with the value in the reason → the read is in the patient's access log.
 */
describe('the walking skeleton over Kafka and gRPC', () => {
  let platform: RunningPlatform;
  let db: pg.Pool;
  let collector: TraceCollector;
  const dataDir = join(repoRoot, '.data', 'test', `e2e-${process.pid}`);
  const token = (role: 'clinician' | 'patient' | 'system' | 'auditor', patientId?: string) =>
    mintDevToken({ role, ...(patientId ? { patientId } : {}), issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') });

  const api = async (method: string, path: string, bearer: string, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(`${platform.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...auditReasonFor(bearer), ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const enrol = async (): Promise<string> => {
    const response = await api('POST', '/api/enrolments', await token('clinician'), { patient: { nationalId: syntheticNationalId() }, pathway: 'copd' });
    expect(response.status).toBe(201);
    return response.body.patientId as string;
  };
  const spo2 = (patientId: string, value: number, id: string) => ({
    resourceType: 'Observation',
    status: 'final',
    identifier: [{ system: 'urn:varde:e2e', value: id }],
    code: { coding: [{ system: 'http://loinc.org', code: '2708-6', display: 'Oxygen saturation in Arterial blood' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });
  const worklist = async (): Promise<WorklistEntry[]> => {
    const response = await api('GET', '/api/worklist?limit=1000', await token('clinician'));
    expect(response.status).toBe(200);
    return response.body.entries as WorklistEntry[];
  };
  const entryOf = async (patientId: string, colour: WorklistEntry['colour']) =>
    eventually(async () => (await worklist()).find((e) => e.patientId === patientId && e.colour === colour), `${patientId} to be ${colour}`);

  beforeAll(async () => {
    collector = await startTraceCollector();
    platform = await startPlatform({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' },
      kafka: true,
      kafkaBrokers: inject('kafkaBrokers'),
      databaseUrl: inject('databaseUrl'),
      dataDir,
      portOffset: platformPortOffset(700),
      log: () => undefined,
    });
    db = new pg.Pool({ connectionString: platform.databaseUrl });
  });

  afterAll(async () => {
    await db?.end();
    await platform?.stop();
    await collector?.close();
  });

  it('answers /health for the whole platform', async () => {
    const response = await fetch(`${platform.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', services: { pathways: 'up', sharing: 'up', forms: 'up', measurements: 'up', triage: 'up' } });
  });

  it('takes one patient from enrolment to red on the worklist, and logs the clinician reading it', async () => {
    const patientId = await enrol();
    const patient = await token('patient', patientId);
    const green = await entryOf(patientId, 'green');
    expect(green.reasons.join(' ')).toMatch(/no reports yet/i);

    const answers = [4, 4, 3, 3, 3, 2, 2, 2];
    const questionnaire = (await api('GET', '/fhir/Questionnaire/cat', patient)).body;
    expect(questionnaire.resourceType).toBe('Questionnaire');
    const response = await eventually(async () => {
      const r = await api(
        'POST',
        '/fhir/QuestionnaireResponse',
        patient,
        {
          resourceType: 'QuestionnaireResponse',
          questionnaire: 'https://varde.no/fhir/Questionnaire/cat',
          status: 'completed',
          subject: { reference: `Patient/${patientId}` },
          authored: new Date().toISOString(),
          item: questionnaire.item.map((item: { linkId: string }, i: number) => ({ linkId: item.linkId, answer: [{ valueInteger: answers[i] }] })),
        },
        'application/fhir+json',
      );
      // The CAT is assigned when forms has consumed PatientEnrolled; until then a response is refused.
      return r.status === 201 ? r : undefined;
    }, 'the CAT response to be accepted');
    expect(JSON.stringify(response.body)).toContain('23');
    const yellow = await entryOf(patientId, 'yellow');
    expect(yellow.reasons.join(' ')).toMatch(/CAT score 23/);

    const observation = await api('POST', '/fhir/Observation', patient, spo2(patientId, 88, `${patientId}-1`), 'application/fhir+json');
    expect(observation.status).toBe(201);
    const red = await entryOf(patientId, 'red');
    expect(red.reasons.join(' ')).toContain('SpO2 88 %');
    // The patient (and the clinician) can see why, with the provenance an auditor needs.
    const status = await api('GET', `/api/patients/${patientId}/triage`, patient);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ colour: 'red', assessment: { provenance: { ruleSetId: 'copd-default', ruleSetVersion: 1 } } });
    const list = await worklist();
    expect(list.findIndex((e) => e.colour === 'red')).toBe(0);
    expect(list.map((e) => e.colour)).toEqual([...list.map((e) => e.colour)].sort((a, b) => ['red', 'yellow', 'green'].indexOf(a) - ['red', 'yellow', 'green'].indexOf(b)));

    const log = await eventually(async () => {
      const r = await api('GET', `/api/patients/${patientId}/access-log`, patient);
      return r.status === 200 && r.body.entries.some((e: { purpose: string }) => e.purpose === 'worklist') ? r.body : undefined;
    }, 'the worklist read in the access log');
    // The patient's own reads are in their log too; the worklist read is the clinician's.
    expect(log.entries.find((e: { purpose: string }) => e.purpose === 'worklist').actor.role).toBe('clinician');

    // Operators see how long the asynchronous path took: the relay's delay and triage's delivery time.
    const metric = async (service: 'measurements' | 'triage', series: RegExp): Promise<number> => {
      const text = await (await fetch(`${platform.serviceUrl(service)}/metrics`)).text();
      return Number(series.exec(text)?.[1] ?? 0);
    };
    expect(await metric('measurements', /^varde_relay_delay_seconds_count\{[^}]*\} (\d+)$/m)).toBeGreaterThan(0);
    expect(await metric('triage', /^varde_message_delivery_seconds_count\{[^}]*topic="varde\.measurements\.v1"[^}]*group="triage\.assessment"[^}]*\} (\d+)$/m)).toBeGreaterThan(0);
    expect(await metric('triage', /^varde_message_delivery_seconds_bucket\{le="\+Inf"[^}]*topic="varde\.measurements\.v1"[^}]*\} (\d+)$/m)).toBeGreaterThan(0);
  });

  it('follows one measurement in one trace: HTTP, event store, Kafka, triage, gRPC to pathways', async () => {
    const patientId = await enrol();
    await entryOf(patientId, 'green');
    const posted = await api('POST', '/fhir/Observation', await token('patient', patientId), spo2(patientId, 89, `${patientId}-trace`), 'application/fhir+json');
    expect(posted.status).toBe(201);
    await entryOf(patientId, 'red');
    const services = await eventually(async () => {
      const spans = collector.spans();
      const ingest = spans.find((s) => s.service === 'varde-measurements' && /POST/.test(s.name) && !s.parentSpanId);
      if (!ingest) return undefined;
      const inTrace = new Set(spans.filter((s) => s.traceId === ingest.traceId).map((s) => s.service));
      return inTrace.has('varde-triage') && inTrace.has('varde-pathways') ? inTrace : undefined;
    }, 'one trace across measurements, triage and pathways', 20_000);
    expect([...services].sort()).toEqual(expect.arrayContaining(['varde-measurements', 'varde-pathways', 'varde-triage']));
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    const patientId = await enrol();
    const patient = await token('patient', patientId);
    const before = Number((await db.query('SELECT count(*) FROM measurements.emt_messages')).rows[0].count);
    const malformed = await fetch(`${platform.baseUrl}/fhir/Observation`, { method: 'POST', headers: { authorization: `Bearer ${patient}`, 'content-type': 'application/fhir+json' }, body: '{"resourceType": "Observ' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const wrongType = await api('POST', '/fhir/Observation', patient, { ...spo2(patientId, 95, 'x'), resourceType: 'Patient' }, 'application/fhir+json');
    expect(wrongType.status).toBe(400);
    const other = await api('POST', '/fhir/Observation', patient, spo2('00000000-0000-4000-8000-00000000abcd', 95, 'y'), 'application/fhir+json');
    expect(other.status).toBe(403);
    const noToken = await fetch(`${platform.baseUrl}/api/worklist`);
    expect(noToken.status).toBe(401);
    expect(Number((await db.query('SELECT count(*) FROM measurements.emt_messages')).rows[0].count)).toBe(before);
  });

  it('loses and duplicates nothing when triage restarts mid-flow', async () => {
    const patients = await Promise.all(Array.from({ length: 6 }, () => enrol()));
    const send = async (patientId: string, n: number, value: number) => {
      const r = await api('POST', '/fhir/Observation', await token('patient', patientId), spo2(patientId, value, `${patientId}-r${n}`), 'application/fhir+json');
      expect(r.status).toBe(201);
    };
    // First half red before the restart, second half while triage is down, the rest after it is back.
    await Promise.all(patients.slice(0, 2).map((p) => send(p, 1, 85)));
    await platform.stopService('triage');
    await Promise.all(patients.slice(2, 4).map((p) => send(p, 1, 86)));
    await platform.startService('triage');
    await Promise.all(patients.slice(4).map((p) => send(p, 1, 87)));
    for (const p of patients) await entryOf(p, 'red');
    // Exactly one move to red per patient: nothing was processed twice.
    const triaged = await db.query<{ stream_id: string; n: string }>(
      `SELECT stream_id, count(*) AS n FROM triage.emt_messages
        WHERE message_type = 'PatientTriaged' AND message_data->>'colour' = 'red' AND stream_id = ANY($1)
        GROUP BY stream_id`,
      [patients.map((p) => `triage-${p}`)],
    );
    expect(triaged.rows).toHaveLength(patients.length);
    expect(triaged.rows.every((r) => Number(r.n) === 1)).toBe(true);
  });
});
