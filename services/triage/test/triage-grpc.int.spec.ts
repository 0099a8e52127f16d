import { randomUUID } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { commonV1, triageV1Service } from '@varde/contracts';
import { schemaConnectionString } from '@varde/database';
import { PostgresMessageBus } from '@varde/messaging';
import { createGrpcClient, type GrpcClient } from '@varde/platform';
import { accessLogOf, eventually, outboxEntriesOf, whileOutboxUnwritable, type ServiceProcess, startServiceStack, startTestIssuer, syntheticNationalId, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { firstValueFrom, type Observable } from 'rxjs';
import { spo2Recorded } from './triage-messages';

const databaseUrl = inject('databaseUrl');

type Outcome<T> = { ok: true; value: T } | { ok: false; code: number; details: string };

/** Awaits a gRPC call and keeps its status code, which is what these tests are about. */
async function outcome<T>(call: Observable<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await firstValueFrom(call) };
  } catch (error) {
    const e = error as { code?: number; details?: string };
    return { ok: false, code: e.code ?? -1, details: e.details ?? String(error) };
  }
}

function bearer(token: string, auditReason?: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  if (auditReason !== undefined) metadata.set('audit-reason', auditReason);
  return metadata;
}

describe('triage gRPC TriageService (real pathways, sharing and triage processes on the embedded bus)', () => {
  let issuer: TestIssuer;
  let pathways: ServiceProcess;
  let sharing: ServiceProcess;
  let triage: ServiceProcess;
  let bus: PostgresMessageBus;
  let triageDb: pg.Pool;
  let client: GrpcClient;
  let service: triageV1Service.TriageServiceClient;
  let clinician: string;
  let red: string;
  let green: string;

  const enrol = async (): Promise<string> => {
    const enrolled = await fetch(`${pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }),
    });
    expect(enrolled.status).toBe(201);
    return ((await enrolled.json()) as { patientId: string }).patientId;
  };

  const worklist = (request: Partial<triageV1Service.ListWorklistRequest>, token = clinician) =>
    outcome(service.listWorklist({ colour: commonV1.Colour.COLOUR_UNSPECIFIED, pathwayId: '', assignee: '', pageSize: 0, pageToken: '', ...request }, bearer(token)));

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const stack = await startServiceStack(['pathways', 'sharing', 'triage'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url });
    ({ pathways, sharing, triage } = stack.services as Record<'pathways' | 'sharing' | 'triage', ServiceProcess>);
    bus = new PostgresMessageBus({ databaseUrl, schema: stack.busSchema });
    triageDb = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, stack.schemas.triage!), max: 2 });
    client = createGrpcClient('triage', triage.grpcUrl);
    service = client.service<triageV1Service.TriageServiceClient>('TriageService');
    clinician = await issuer.token('clinician');
    [red, green] = [await enrol(), await enrol()];
    await bus.publish([spo2Recorded(red, 88, new Date(Date.now() - 60_000))]);
    // Both patients on this triage's worklist, the first one assessed red.
    await eventually(async () => {
      const page = await worklist({ pageSize: 1000 });
      if (!page.ok) return undefined;
      const colours = new Map(page.value.entries.map((e) => [e.patientId, e.colour]));
      return colours.get(red) === commonV1.Colour.COLOUR_RED && colours.has(green) ? true : undefined;
    }, 'both patients on the worklist, one red');
  });

  afterAll(async () => {
    client?.close();
    await Promise.allSettled([triage?.stop(), sharing?.stop(), pathways?.stop()]);
    await Promise.allSettled([bus?.close(), triageDb?.end(), issuer?.close()]);
  });

  it('lists the red patient first, with the reason, the pathway and the open alert', async () => {
    const page = await worklist({});
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    const [first] = page.value.entries;
    expect(first).toMatchObject({ patientId: red, colour: commonV1.Colour.COLOUR_RED, reasons: ['SpO2 88 % is below 90 %'], pathwayId: 'copd' });
    expect(first!.since).toBeInstanceOf(Date);
    expect(first!.openAlert).toMatchObject({ colour: commonV1.Colour.COLOUR_RED, status: triageV1Service.OpenAlertStatus.OPEN_ALERT_STATUS_OPEN });
    expect(page.value.entries.find((e) => e.patientId === green)).toMatchObject({ colour: commonV1.Colour.COLOUR_GREEN, reasons: ['No reports yet'], openAlert: null });
    expect(page.value.nextPageToken).toBe('');

    const reds = await worklist({ colour: commonV1.Colour.COLOUR_RED });
    expect(reds.ok && reds.value.entries.map((e) => e.patientId)).toEqual([red]);
  });

  it('pages: page_size 1 twice gives two different patients in worklist order', async () => {
    const first = await worklist({ pageSize: 1 });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.entries.map((e) => e.patientId)).toEqual([red]);
    expect(first.value.nextPageToken).not.toBe('');
    const second = await worklist({ pageSize: 1, pageToken: first.value.nextPageToken });
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.value.entries.map((e) => e.patientId)).toEqual([green]);
  });

  it('answers INVALID_ARGUMENT naming the field for a bad page size or page token', async () => {
    for (const [request, field] of [[{ pageSize: 1001 }, 'page_size'], [{ pageSize: -1 }, 'page_size'], [{ pageToken: 'garbage' }, 'page_token'], [{ colour: 7 as commonV1.Colour }, 'colour']] as const) {
      const answer = await worklist(request);
      expect(answer).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
      expect(!answer.ok && answer.details).toContain(field);
    }
  });

  it('gives the patient status with colour, reasons and provenance, and logs the read in the patient access log', async () => {
    const answer = await outcome(service.getPatientStatus({ patientId: red }, bearer(clinician)));
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.value.status).toMatchObject({ patientId: red, colour: commonV1.Colour.COLOUR_RED, reasons: ['SpO2 88 % is below 90 %'], pathwayId: 'copd' });
    expect(answer.value.assessment).toMatchObject({
      // The first assessment: there was no colour before it.
      previousColour: commonV1.Colour.COLOUR_UNSPECIFIED,
      reasons: [expect.objectContaining({ ruleId: 'spo2-low', value: 88, threshold: 90, unit: '%' })],
      provenance: { ruleSetId: 'copd-default', ruleSetVersion: 1, engineVersion: 'varde-triage/0.2.0', inputs: [expect.objectContaining({ source: 'varde.measurements.v1' })] },
    });
    expect(answer.value.assessment!.provenance!.ruleSetHash).toMatch(/^sha256:/);
    expect(answer.value.assessment!.assessedAt).toBeInstanceOf(Date);

    const patient = await issuer.token('patient', { patientId: red });
    await accessLogOf(sharing.url, red, patient, (entries) => entries.some((e) => e.purpose === 'triage-status' && e.resource === `triage/${red}` && e.actor.role === 'clinician'), 'the status read in the access log');
  });

  it('lets the patient read their own status (no assessment before a report) but not another patient\'s', async () => {
    const own = await outcome(service.getPatientStatus({ patientId: green }, bearer(await issuer.token('patient', { patientId: green }))));
    expect(own).toMatchObject({ ok: true, value: { status: { patientId: green, colour: commonV1.Colour.COLOUR_GREEN }, assessment: null } });
    const other = await outcome(service.getPatientStatus({ patientId: red }, bearer(await issuer.token('patient', { patientId: green }))));
    expect(other).toMatchObject({ ok: false, code: status.PERMISSION_DENIED });
    // An auditor learns that triage has no such patient; a clinician learns nothing about patients of no team of theirs.
    const unknown = randomUUID();
    expect(await outcome(service.getPatientStatus({ patientId: unknown }, bearer(await issuer.token('auditor'), 'complaint 2026/117')))).toMatchObject({ ok: false, code: status.NOT_FOUND });
    expect(await outcome(service.getPatientStatus({ patientId: unknown }, bearer(clinician)))).toMatchObject({ ok: false, code: status.PERMISSION_DENIED });
  });

  it('lets an auditor open a patient only with a stated reason in the audit-reason metadata, which the access log keeps with the read', async () => {
    const auditor = await issuer.token('auditor');
    for (const missing of [bearer(auditor), bearer(auditor, ''), bearer(auditor, 'ok')]) {
      const refused = await outcome(service.getPatientStatus({ patientId: red }, missing));
      expect(refused).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
      expect(!refused.ok && refused.details).toContain('audit-reason');
    }
    const reason = `complaint 2026/${randomUUID().slice(0, 8)} from the patient`;
    expect(await outcome(service.getPatientStatus({ patientId: red }, bearer(auditor, reason)))).toMatchObject({ ok: true, value: { status: { patientId: red } } });
    // A list names no single patient: no reason needed, as over HTTP; one given is kept with each patient's entry.
    const listReason = `quality control ${randomUUID().slice(0, 8)}`;
    expect(await outcome(service.listWorklist({ colour: 0, pathwayId: '', assignee: '', pageSize: 1000, pageToken: '' }, bearer(auditor)))).toMatchObject({ ok: true });
    expect(await outcome(service.listWorklist({ colour: 0, pathwayId: '', assignee: '', pageSize: 1000, pageToken: '' }, bearer(auditor, listReason)))).toMatchObject({ ok: true });

    const patient = await issuer.token('patient', { patientId: red });
    const entries = await accessLogOf(sharing.url, red, patient, (all) => all.some((e) => e.reason === reason) && all.some((e) => e.reason === listReason), 'the auditor\'s reads with their reasons in the access log');
    expect(entries.filter((e) => e.reason === reason)).toEqual([expect.objectContaining({ purpose: 'triage-status', resource: `triage/${red}`, actor: expect.objectContaining({ role: 'auditor' }) })]);
    expect(entries.filter((e) => e.reason === listReason)).toEqual([expect.objectContaining({ purpose: 'worklist', actor: expect.objectContaining({ role: 'auditor' }) })]);
    // The refused calls wrote nothing: every auditor status read of this patient carries the one reason given.
    expect(entries.filter((e) => e.actor.role === 'auditor' && e.purpose === 'triage-status').map((e) => e.reason)).toEqual([reason]);
  });

  it('refuses a call without a token or with a bad one (UNAUTHENTICATED) and the worklist to a patient (PERMISSION_DENIED)', async () => {
    expect(await outcome(service.listWorklist({ colour: 0, pathwayId: '', assignee: '', pageSize: 0, pageToken: '' }))).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    expect(await outcome(service.getPatientStatus({ patientId: red }, new Metadata()))).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    expect(await worklist({}, 'not-a-jwt')).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    expect(await worklist({}, await issuer.token('patient', { patientId: red }))).toMatchObject({ ok: false, code: status.PERMISSION_DENIED });
  });

  it("keeps another care team's clinician from the team's patients: not listed, PERMISSION_DENIED on status", async () => {
    const subject = `stranger-${randomUUID()}`;
    const stranger = await issuer.token('clinician', { careTeams: ['hjertesvikt-ous'], subject });
    const page = await worklist({ pageSize: 1000 }, stranger);
    expect(page.ok && page.value.entries.map((e) => e.patientId)).toEqual([]);
    const status_ = await outcome(service.getPatientStatus({ patientId: red }, bearer(stranger)));
    expect(status_).toMatchObject({ ok: false, code: status.PERMISSION_DENIED, details: expect.stringContaining('is not on one of your care teams') });
    // The refusal is in triage's log, as an HTTP refusal is: who was refused which patient, on which gRPC method, and why.
    const refused = await eventually(async () => triage.logs().split('\n').find((line) => line.includes('"access refused"') && line.includes(subject)), 'the gRPC refusal in the service log');
    expect(JSON.parse(refused)).toMatchObject({ status: 'PERMISSION_DENIED', method: 'gRPC', route: '/varde.triage.v1.TriageService/GetPatientStatus', actor: { subject, role: 'clinician' }, patientId: red, reason: expect.stringContaining('is not on one of your care teams') });
    const audited = await worklist({ pageSize: 1000 }, await issuer.token('auditor'));
    expect(audited.ok && audited.value.entries.map((e) => e.patientId)).toEqual(expect.arrayContaining([red, green]));
  });

  it('fails closed: when triage cannot record the read in its own database both calls answer UNAVAILABLE and show no patient', async () => {
    await whileOutboxUnwritable(triageDb, async () => {
      const list = await worklist({});
      expect(list).toMatchObject({ ok: false, code: status.UNAVAILABLE });
      expect(!list.ok && list.details).not.toContain(red);
      expect(await outcome(service.getPatientStatus({ patientId: red }, bearer(clinician)))).toMatchObject({ ok: false, code: status.UNAVAILABLE });
    });
  });

  it('keeps answering with sharing down what the table decides: the reads wait in triage\'s outbox', async () => {
    await sharing.stop();
    expect(await worklist({}, await issuer.token('auditor'))).toMatchObject({ ok: true });
    // A clinician's list needs the policy decision point (blocks, emergency access): fail closed.
    expect(await worklist({}, await issuer.token('clinician', { subject: 'dr-not-cached' }))).toMatchObject({ ok: false, code: status.UNAVAILABLE });
    expect(await outcome(service.getPatientStatus({ patientId: red }, bearer(clinician)))).toMatchObject({ ok: true });
    expect((await outboxEntriesOf(triageDb, red)).filter((e) => e.purpose === 'triage-status').length).toBeGreaterThanOrEqual(1);
  });
});
