import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { integrationEventTypes, measurementsV1Events } from '@varde/contracts';
import { PostgresMessageBus, type IntegrationMessage } from '@varde/messaging';
import { eventually, syntheticNationalId, auditReasonFor } from '@varde/testing';
import { startPathways, type PathwaysUnderTest } from './pathways-under-test';
import copdBundle from '../pathways/copd.json';

const databaseUrl = inject('databaseUrl');
type Json = Record<string, unknown>;
type FhirTask = { id: string; status: string; code?: { coding: Array<{ code: string }> }; executionPeriod: { start: string; end: string }; output?: Array<{ valueString: string }> };

/** A pathway whose two measurement activities fall due a few seconds from now (Europe/Oslo), daily, with short windows. */
function quickPathway(pathwayId: string, dueAt: DateTime): Json {
  const [plan, spo2, pulse] = (copdBundle.entry as Array<{ resource: Json }>).map((e) => structuredClone(e.resource));
  const time = dueAt.setZone('Europe/Oslo').toFormat('HH:mm:ss');
  const activity = (a: Json, id: string, seconds: number): Json => ({
    ...a,
    id,
    url: undefined,
    timingTiming: { repeat: { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: [time] }, extension: [{ url: 'https://varde.no/fhir/StructureDefinition/task-window', valueDuration: { value: seconds, unit: 's', system: 'http://unitsofmeasure.org', code: 's' } }] },
  });
  return {
    ...plan,
    url: `https://varde.no/fhir/PlanDefinition/${pathwayId}`,
    version: undefined,
    contained: [activity(spo2!, 'spo2', 120), activity(pulse!, 'pulse', 4)],
    action: [{ definitionCanonical: '#spo2' }, { definitionCanonical: '#pulse' }],
  };
}

/** MeasurementRecorded as measurements publishes it, for `patientId`'s SpO2 taken at `at`. */
function spo2Recorded(patientId: string, at: Date): IntegrationMessage {
  const id = randomUUID();
  const payload = integrationEventTypes['varde.measurements.v1.MeasurementRecorded'].encode({
    measurementId: randomUUID(), patientId, code: { system: 'http://loinc.org', code: '2708-6', display: 'Oxygen saturation' }, value: 95, unit: '%', originalValue: 95, originalUnit: '%',
    effectiveTime: at, receivedTime: at, provenance: measurementsV1Events.Provenance.fromPartial({ method: 'device', deviceId: 'oximeter-1' }), flags: [], components: [],
  });
  return { id, type: 'varde.measurements.v1.MeasurementRecorded', source: 'varde/measurements', topic: 'varde.measurements.v1', key: patientId, time: at.toISOString(), recordedTime: at.toISOString(), correlationId: id, causationId: id, payload };
}

describe('schedules create tasks (pathways service)', () => {
  let t: PathwaysUnderTest;
  let bus: PostgresMessageBus;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways_schedule', { SCHEDULE_TICK_MS: '200' }, true);
    bus = new PostgresMessageBus({ databaseUrl, schema: t.busSchema });
  });
  afterAll(async () => {
    await bus?.close();
    await t?.stop();
  });

  const json = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${t.pathways.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...auditReasonFor(token), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const tasks = async (patientId: string, token: string, query = ''): Promise<FhirTask[]> =>
    (((await json('GET', `/fhir/Task?patient=${patientId}${query}`, token)).body['entry'] as Array<{ resource: FhirTask }> | undefined) ?? []).map((e) => e.resource);
  const published = async (patientId: string, type: string) => (await bus.readAll('varde.pathways.v1')).filter((m) => m.key === patientId && m.type === type);

  it('plans 14 days ahead, makes tasks due on time, completes one with a matching measurement and reports the other missed', async () => {
    const dueAt = DateTime.now().plus({ seconds: 6 }).startOf('second');
    const imported = await json('POST', '/fhir/PlanDefinition', await t.issuer.token('pathway-designer'), quickPathway('quick-check', dueAt));
    expect(imported.status).toBe(201);
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const enrolled = await json('POST', '/api/enrolments', clinician, { patient: { nationalId: syntheticNationalId() }, pathway: 'quick-check' });
    const patientId = String(enrolled.body['patientId']);
    const patient = await t.issuer.token('patient', { patientId });

    // The next 14 days are planned, each task with its window.
    const planned = await eventually(async () => {
      const found = await tasks(patientId, patient, '&status=requested');
      return found.length === 28 ? found : undefined;
    }, '28 planned tasks (2 activities × 14 days)');
    expect(planned[0]!.executionPeriod.start).toBe(dueAt.toUTC().toISO());
    const today = dueAt.setZone('Europe/Oslo').toISODate();
    expect((await tasks(patientId, patient, `&period=${today}`)).map((task) => task.code?.coding[0]?.code).sort()).toEqual(['2708-6', '8867-4']);

    // Both fall due; the SpO2 is sent in its window, the pulse never is.
    await eventually(async () => ((await published(patientId, 'varde.pathways.v1.TaskDue')).length === 2 ? true : undefined), 'two TaskDue');
    expect((await tasks(patientId, patient, '&status=ready')).length).toBeGreaterThanOrEqual(1);
    const measurement = spo2Recorded(patientId, new Date());
    await bus.publish([measurement]);
    const [completed] = await eventually(async () => {
      const found = await published(patientId, 'varde.pathways.v1.TaskCompleted');
      return found.length === 1 ? found : undefined;
    }, 'TaskCompleted');
    expect(integrationEventTypes['varde.pathways.v1.TaskCompleted'].decode(completed!.payload)).toMatchObject({ patientId, inputEventId: measurement.id });
    const [missed] = await eventually(async () => {
      const found = await published(patientId, 'varde.pathways.v1.TaskMissed');
      return found.length === 1 ? found : undefined;
    }, 'TaskMissed for the pulse');
    expect(integrationEventTypes['varde.pathways.v1.TaskMissed'].decode(missed!.payload)).toMatchObject({ patientId, loincCode: '8867-4' });

    const todays = await tasks(patientId, patient, `&period=${today}`);
    expect(todays.map((task) => [task.code?.coding[0]?.code, task.status]).sort()).toEqual([['2708-6', 'completed'], ['8867-4', 'failed']]);
    expect(todays.find((task) => task.status === 'completed')?.output?.[0]?.valueString).toBe(measurement.id);
  });

  it('plans nothing while paused and cancels what was planned; a discharge does the same', async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const enrolled = await json('POST', '/api/enrolments', clinician, { patient: { nationalId: syntheticNationalId() }, pathway: 'copd' });
    const patientId = String(enrolled.body['patientId']);
    const auditor = await t.issuer.token('auditor');
    await eventually(async () => ((await tasks(patientId, auditor, '&status=requested')).length >= 27 ? true : undefined), 'COPD tasks planned');
    expect((await json('POST', `/api/enrolments/${patientId}/pause`, clinician, { reason: 'admitted to hospital' })).status).toBe(200);
    await eventually(async () => ((await tasks(patientId, auditor, '&status=requested')).length === 0 ? true : undefined), 'planned tasks cancelled by the pause');
    expect((await json('POST', `/api/enrolments/${patientId}/resume`, clinician, {})).status).toBe(200);
    await eventually(async () => ((await tasks(patientId, auditor, '&status=requested')).length >= 27 ? true : undefined), 'tasks planned again on resume');
    expect((await json('POST', `/api/enrolments/${patientId}/discharge`, clinician, { reason: 'completed' })).status).toBe(200);
    await eventually(async () => ((await tasks(patientId, auditor, '&status=requested')).length === 0 ? true : undefined), 'planned tasks cancelled by the discharge');
  });

  it('resumes a pause at its end date by itself (EnrolmentResumed by the system, once) and plans the tasks again', async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const patientId = String((await json('POST', '/api/enrolments', clinician, { patient: { nationalId: syntheticNationalId() }, pathway: 'copd' })).body['patientId']);
    const auditor = await t.issuer.token('auditor');
    await eventually(async () => ((await tasks(patientId, auditor, '&status=requested')).length >= 27 ? true : undefined), 'COPD tasks planned');
    const until = new Date(Date.now() + 3_000).toISOString();
    expect((await json('POST', `/api/enrolments/${patientId}/pause`, clinician, { reason: 'admitted to hospital', until })).status).toBe(200);

    const [resumed] = await eventually(async () => {
      const found = await published(patientId, 'varde.pathways.v1.EnrolmentResumed');
      return found.length > 0 ? found : undefined;
    }, 'EnrolmentResumed at the end of the pause');
    expect(integrationEventTypes['varde.pathways.v1.EnrolmentResumed'].decode(resumed!.payload)).toMatchObject({ patientId, resumedAt: new Date(until), resumedBy: { role: 'system' } });
    expect((await json('GET', `/api/enrolments/${patientId}`, clinician)).body).toMatchObject({ status: 'active' });
    const planned = await eventually(async () => {
      const found = await tasks(patientId, auditor, '&status=requested');
      return found.length >= 27 ? found : undefined;
    }, 'tasks planned again after the pause');
    expect(planned.every((task) => task.executionPeriod.start >= until)).toBe(true);
    // Ticks every 200 ms have run many times since: the pause ended once.
    const { rows } = await t.db.query<{ message_type: string }>(`SELECT message_type FROM ${t.schema}.emt_messages WHERE stream_id = $1 ORDER BY global_position`, [`enrolment-${patientId}`]);
    expect(rows.map((r) => r.message_type)).toEqual(['PatientEnrolled', 'EnrolmentPaused', 'EnrolmentResumed']);
  });

  it("shows tasks only to the patient, their care team and auditors; refuses bad searches naming the parameter", async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const patientId = String((await json('POST', '/api/enrolments', clinician, { patient: { nationalId: syntheticNationalId() }, pathway: 'copd' })).body['patientId']);
    expect((await json('GET', `/fhir/Task?patient=${patientId}`, await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] }))).status).toBe(403);
    expect((await json('GET', `/fhir/Task?patient=${patientId}`, await t.issuer.token('patient', { patientId: randomUUID() }))).status).toBe(403);
    const bad = await json('GET', `/fhir/Task?patient=${patientId}&status=done`, clinician);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('expected one of requested, ready, completed, failed, cancelled');
    expect((await json('GET', `/fhir/Task?patient=${patientId}&period=tomorrow`, clinician)).status).toBe(400);
  });
});
