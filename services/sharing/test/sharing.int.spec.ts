import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { commonV1, integrationEventTypes, sharingV1Service } from '@varde/contracts';
import { PostgresMessageBus } from '@varde/messaging';
import { callGrpc, createGrpcClient, SharingAccessLog, type GrpcClient } from '@varde/platform';
import { eventually, freshSchema, startServiceProcess, startTestIssuer, type ServiceProcess, type TestIssuer, auditReasonFor } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('sharing_it');

let issuer: TestIssuer;
let sharing: ServiceProcess;
let grpc: GrpcClient;
let client: sharingV1Service.SharingServiceClient;
let db: pg.Pool;
let bus: PostgresMessageBus;

const bearer = async (token: Promise<string>): Promise<Metadata> => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${await token}`);
  return metadata;
};
const recordAccess = async (entries: sharingV1Service.AccessEntry[], metadata?: Metadata) =>
  callGrpc(client.recordAccess({ entries }, metadata ?? (await issuer.credentials.metadata('sharing'))), 'sharing.RecordAccess');
const entry = (patientId: string, overrides: Partial<sharingV1Service.AccessEntry> = {}): sharingV1Service.AccessEntry => ({
  entryId: randomUUID(),
  patientId,
  actor: { subject: 'nurse-1', role: 'clinician', organisation: '999999999', onBehalfOf: '', hprNumber: '' },
  purpose: 'treatment',
  resource: `Observation?patient=${patientId}`,
  accessedAt: new Date('2025-01-15T08:00:00.000Z'),
  correlationId: randomUUID(),
  reason: '',
  ...overrides,
});
const readLog = async (patientId: string, token?: string, query = '') =>
  fetch(`${sharing.url}/api/patients/${patientId}/access-log${query}`, token ? { headers: { authorization: `Bearer ${token}`, ...auditReasonFor(token) } } : {});
const eventsIn = async (patientId: string): Promise<number> =>
  Number((await db.query(`SELECT count(*) FROM ${schema}.emt_messages WHERE message_type = 'AccessLogged' AND message_data->>'patientId' = $1`, [patientId])).rows[0].count);
const rowsIn = async (patientId: string): Promise<number> =>
  Number((await db.query(`SELECT count(*) FROM ${schema}.access_log WHERE patient_id = $1`, [patientId])).rows[0].count);

beforeAll(async () => {
  issuer = await startTestIssuer();
  sharing = await startServiceProcess('sharing', { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: schema });
  grpc = createGrpcClient('sharing', sharing.grpcUrl);
  client = grpc.service<sharingV1Service.SharingServiceClient>('SharingService');
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  bus = new PostgresMessageBus({ databaseUrl });
});

afterAll(async () => {
  grpc?.close();
  await sharing?.stop();
  await Promise.allSettled([db?.end(), bus?.close(), issuer?.close()]);
});

describe('RecordAccess over gRPC and the access log over HTTP', () => {
  it('records reads, shows them to the patient newest first, and publishes AccessLogged', async () => {
    const patientId = randomUUID();
    const older = entry(patientId, { accessedAt: new Date('2025-01-15T08:00:00.000Z'), purpose: 'treatment' });
    const newer = entry(patientId, { accessedAt: new Date('2025-01-15T09:00:00.000Z'), purpose: 'follow-up', actor: { subject: 'gp-7', role: 'clinician', organisation: '888888888', onBehalfOf: '', hprNumber: '' } });
    const otherPatient = randomUUID();

    expect(await recordAccess([older, newer, entry(otherPatient)])).toEqual({ recorded: 3 });

    const response = await readLog(patientId, await issuer.token('patient', { patientId }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      patientId,
      entries: [
        { accessedAt: '2025-01-15T09:00:00.000Z', actor: { subject: 'gp-7', role: 'clinician', organisation: '888888888' }, purpose: 'follow-up', resource: newer.resource },
        { accessedAt: '2025-01-15T08:00:00.000Z', actor: { subject: 'nurse-1', role: 'clinician', organisation: '999999999' }, purpose: 'treatment', resource: older.resource },
      ],
    });
    // The patient reading their own log is not itself logged.
    expect(await eventsIn(patientId)).toBe(2);

    const limited = await readLog(patientId, await issuer.token('patient', { patientId }), '?limit=1');
    expect(((await limited.json()) as { entries: unknown[] }).entries).toHaveLength(1);

    const published = await eventually(async () => {
      const { rows } = await db.query<{ payload: Buffer }>(
        `SELECT payload FROM varde_bus.messages WHERE topic = 'varde.sharing.v1' AND type = 'varde.sharing.v1.AccessLogged' AND partition_key = $1`,
        [patientId],
      );
      return rows.length === 2 ? rows : undefined;
    }, 'AccessLogged on the bus');
    const decoded = published.map((r) => integrationEventTypes['varde.sharing.v1.AccessLogged'].decode(r.payload));
    expect(decoded.map((d) => d.entryId).sort()).toEqual([older.entryId, newer.entryId].sort());
    expect(decoded.find((d) => d.entryId === newer.entryId)).toMatchObject({ patientId, purpose: 'follow-up', actor: { subject: 'gp-7', role: 'clinician' }, accessedAt: new Date('2025-01-15T09:00:00.000Z') });
  });

  it('records a retried call once', async () => {
    const patientId = randomUUID();
    const entries = [entry(patientId), entry(patientId)];
    expect(await recordAccess(entries)).toEqual({ recorded: 2 });
    expect(await recordAccess(entries)).toEqual({ recorded: 0 });
    // A retry that carries one more entry records only that one.
    expect(await recordAccess([...entries, entry(patientId)])).toEqual({ recorded: 1 });
    expect(await eventsIn(patientId)).toBe(3);
    expect(await rowsIn(patientId)).toBe(3);
  });

  it('records a read of thousands of patients (a what-if over a pathway) in calls within the per-call limit, each once', async () => {
    const accessLog = new SharingAccessLog(sharing.grpcUrl, issuer.credentials);
    try {
      const patientIds = Array.from({ length: 2_500 }, () => randomUUID());
      const request = { commandId: randomUUID(), correlationId: randomUUID(), actor: { subject: 'designer-1', role: 'pathway-designer' as const }, now: new Date().toISOString() };
      await accessLog.recordReads('triage', patientIds, { purpose: 'what-if', resource: 'what-if/copd' }, request);
      await accessLog.recordReads('triage', patientIds, { purpose: 'what-if', resource: 'what-if/copd' }, request);
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.access_log WHERE patient_id::text = ANY($1::text[])`, [patientIds]);
      expect(Number(rows[0]!.n)).toBe(2_500);
    } finally {
      accessLog.onModuleDestroy();
    }
  });

  it('refuses a request with one bad entry and writes nothing of it', async () => {
    const patientId = randomUUID();
    const bad = recordAccess([entry(patientId), entry(patientId, { actor: { subject: 'x', role: '', organisation: '', onBehalfOf: '', hprNumber: '' } }), entry(randomUUID())]);
    await expect(bad).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('entries[1].actor.role') });
    await expect(recordAccess([entry('')])).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('entries[0].patient_id') });
    await expect(recordAccess([entry(patientId, { entryId: '' })])).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('entries[0].entry_id') });
    expect(await eventsIn(patientId)).toBe(0);
    expect(await rowsIn(patientId)).toBe(0);
  });
});

describe('only Varde services may write the access log (service identity, ADR 0013)', () => {
  it.each([
    ['no credential', async () => new Metadata(), 'missing bearer token'],
    ["a clinician's token", () => bearer(issuer.token('clinician')), ''],
    ['a device gateway (system) token for the public API audience', () => bearer(issuer.token('system', { subject: 'gw-1' })), 'does not include "varde-sharing"'],
    ["another service's token (for pathways)", () => bearer(issuer.token('system', { subject: 'varde-forms', audience: 'varde-pathways' })), 'does not include "varde-sharing"'],
  ])('refuses RecordAccess with %s: UNAUTHENTICATED, nothing written', async (_case, metadata, message) => {
    const patientId = randomUUID();
    const forged = entry(patientId, { actor: { subject: 'made-up-clinician', role: 'clinician', organisation: '', onBehalfOf: '', hprNumber: '' }, accessedAt: new Date(Date.now() - 400 * 86_400_000) });
    await expect(recordAccess([forged], await metadata())).rejects.toMatchObject({ kind: 'unauthorized', message: expect.stringContaining(message) });
    expect(await rowsIn(patientId)).toBe(0);
  });

  it('records the calling service as the actor of the events', async () => {
    const patientId = randomUUID();
    await recordAccess([entry(patientId)]);
    const { rows } = await db.query(`SELECT message_metadata FROM ${schema}.emt_messages WHERE message_type = 'AccessLogged' AND message_data->>'patientId' = $1`, [patientId]);
    expect(rows[0].message_metadata).toMatchObject({ actor: { subject: 'varde-test', role: 'system' } });
  });
});

describe('the access log cannot be buried', () => {
  it('refuses entries dated in the future (they would sort above every real read), writing nothing of the call', async () => {
    const patientId = randomUUID();
    await recordAccess([entry(patientId)]);
    const future = Array.from({ length: 3 }, () => entry(patientId, { accessedAt: new Date(Date.now() + 365 * 86_400_000) }));
    await expect(recordAccess([entry(patientId), ...future])).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('entries[1].accessed_at: is in the future') });
    expect(await rowsIn(patientId)).toBe(1);
  });

  it('pages through every entry, newest first, however many there are', async () => {
    const patientId = randomUUID();
    const start = Date.parse('2026-01-01T00:00:00Z');
    // Two entries per instant: the page boundary falls between entries with the same time too.
    const entries = Array.from({ length: 1_100 }, (_, i) => entry(patientId, { accessedAt: new Date(start + Math.floor(i / 2) * 1000) }));
    await recordAccess(entries.slice(0, 1000));
    await recordAccess(entries.slice(1000));
    const patient = await issuer.token('patient', { patientId });
    const seen: string[] = [];
    let query = '?limit=300';
    for (let pages = 1; ; pages++) {
      const body = (await (await readLog(patientId, patient, query)).json()) as { entries: { accessedAt: string }[]; next?: string };
      seen.push(...body.entries.map((e) => e.accessedAt));
      if (!body.next) {
        expect(pages).toBe(4);
        break;
      }
      query = `?limit=300&page=${body.next}`;
    }
    expect(seen).toHaveLength(1_100);
    expect(seen).toEqual([...seen].sort().reverse());
    const bad = await readLog(patientId, patient, '?page=not-a-token');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('page');
  });
});

describe('who may read the access log', () => {
  it('lets only the patient, their guardian, their care team and auditors read it, and logs the reads of others', async () => {
    const patientId = randomUUID();
    await recordAccess([entry(patientId)]);

    expect((await readLog(patientId, await issuer.token('patient', { patientId: randomUUID() }))).status).toBe(403);
    // A clinician is decided with the patient's care team, which pathways knows: not running here, so the read fails
    // closed (503) and nothing is logged. The care team's 200 and everyone else's 403 are cells of the access matrix
    // (tests/access) and of the clinician's patient page (tests/browser).
    expect((await readLog(patientId, await issuer.token('clinician'))).status).toBe(503);
    expect((await readLog(patientId)).status).toBe(401);
    expect(await eventsIn(patientId)).toBe(1);

    const audited = await readLog(patientId, await issuer.token('auditor', { subject: 'auditor-1' }));
    expect(audited.status).toBe(200);
    const afterAudit = (await (await readLog(patientId, await issuer.token('patient', { patientId }))).json()) as { entries: { actor: { subject: string; role: string }; purpose: string }[] };
    expect(afterAudit.entries).toHaveLength(2);
    // With the auditor's stated reason (Audit-Reason, sent by auditReasonFor).
    expect(afterAudit.entries[0]).toMatchObject({ actor: { subject: 'auditor-1', role: 'auditor' }, purpose: 'access-log', resource: `/api/patients/${patientId}/access-log`, reason: 'integration test of the audit trail' });

    const guardian = await readLog(patientId, await issuer.token('guardian', { patientIds: [patientId], subject: 'parent-1' }));
    expect(guardian.status).toBe(200);
    expect(await eventsIn(patientId)).toBe(3);
  });

  it('names the bad parameter', async () => {
    const patientId = randomUUID();
    const auditor = await issuer.token('auditor');
    for (const limit of ['0', '1001', 'ten', '-1']) {
      const response = await readLog(patientId, auditor, `?limit=${limit}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('limit');
    }
    const badId = await readLog('not-a-uuid', auditor);
    expect(badId.status).toBe(400);
    expect(await badId.text()).toContain('patientId');
    expect(await eventsIn(patientId)).toBe(0);
  });
});

describe('patient status from triage', () => {
  it('keeps the latest PatientTriaged of a patient', async () => {
    const patientId = randomUUID();
    const assessmentId = randomUUID();
    const payload = integrationEventTypes['varde.triage.v1.PatientTriaged'].encode({
      assessmentId,
      patientId,
      colour: commonV1.Colour.COLOUR_RED,
      previousColour: commonV1.Colour.COLOUR_GREEN,
      reasons: [{ ruleId: 'spo2-low', text: 'SpO2 86 % is below 88 %', code: { system: 'http://loinc.org', code: '59408-5', display: 'SpO2' }, value: 86, unit: '%', threshold: 88, inputEventId: randomUUID(), effectiveTime: new Date('2025-01-15T07:55:00.000Z'), kind: 'threshold', inputs: [] }],
      provenance: { inputs: [], ruleSetId: 'copd-default', ruleSetVersion: 1, ruleSetHash: 'sha256:x', engineVersion: '1', overridesVersion: 0 },
      assessedAt: new Date('2025-01-15T08:00:00.000Z'),
      effectiveTime: new Date('2025-01-15T07:55:00.000Z'),
      revision: false,
      current: true,
    });
    const id = randomUUID();
    await bus.publish([
      { id, type: 'varde.triage.v1.PatientTriaged', source: 'varde/triage', topic: 'varde.triage.v1', key: patientId, time: '2025-01-15T08:00:00.000Z', recordedTime: '2025-01-15T08:00:00.100Z', correlationId: id, causationId: id, payload },
    ]);
    const row = await eventually(async () => {
      const { rows } = await db.query(`SELECT colour, reasons, assessed_at, assessment_id FROM ${schema}.patient_status WHERE patient_id = $1`, [patientId]);
      return rows[0] as { colour: string; reasons: { ruleId: string; text: string }[]; assessed_at: Date; assessment_id: string } | undefined;
    }, 'patient_status row');
    expect(row).toMatchObject({ colour: 'red', assessment_id: assessmentId, assessed_at: new Date('2025-01-15T08:00:00.000Z') });
    expect(row.reasons).toMatchObject([{ ruleId: 'spo2-low', text: 'SpO2 86 % is below 88 %' }]);
  });
});
