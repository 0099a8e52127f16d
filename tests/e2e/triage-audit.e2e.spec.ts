import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexR4Definitions, r4Issues } from '@varde/fhir';
import { eventually, optOutConsent, platformPortOffset, syntheticNationalId, auditReasonFor } from '@varde/testing';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { startPlatform, type RunningPlatform } from '../../deploy/local/platform';

const repoRoot = join(__dirname, '..', '..');
const HOUR = 3_600_000;

type Decision = { assessmentId: string; colour: string; revision: boolean; current: boolean; effectiveAt: string; provenance: { ruleSetVersion: number } };

/** Runs one of the npm scripts' entry points (a path under scripts/) against the platform; answers its exit code and output. */
function runScript(script: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(repoRoot, 'scripts', script), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Triage decisions over the real Kafka broker, measurements and pathways: late and corrected measurements
 * sent through the FHIR API re-evaluate the patient in effective-time order, red alerts escalate until
 * acknowledged, and the npm scripts publish a rule set version, verify decisions made under the older one and
 * run a what-if.
 */
describe('triage decisions an auditor can replay, over Kafka', () => {
  let platform: RunningPlatform;
  const dataDir = join(repoRoot, '.data', 'test', `e2e-triage-${process.pid}`);
  const token = (role: 'clinician' | 'auditor' | 'pathway-designer') => mintDevToken({ role, issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') });

  const api = async (method: string, path: string, bearer: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${platform.baseUrl}${path}`, {
      method,
      headers: { ...auditReasonFor(bearer), ...headers, authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const enrol = async (): Promise<string> => {
    const response = await fetch(`${platform.baseUrl}/api/enrolments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('clinician')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { patientId: string }).patientId;
  };
  const spo2 = async (patientId: string, value: number, effective: Date): Promise<string> => {
    const response = await api('POST', '/fhir/Observation', await token('clinician'), {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: effective.toISOString(),
      valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const decisions = async (patientId: string): Promise<Decision[]> => (await api('GET', `/api/patients/${patientId}/triage/history`, await token('auditor'), undefined, { 'audit-reason': 'e2e review of the decisions' })).body.decisions as Decision[];
  const colourOf = async (patientId: string): Promise<string> => (await api('GET', `/api/patients/${patientId}/triage`, await token('clinician'))).body.colour as string;
  const ago = (hours: number): Date => new Date(Date.now() - hours * HOUR);

  beforeAll(async () => {
    platform = await startPlatform({
      // Red alerts escalate after 1 s, checked every 200 ms.
      env: { TRIAGE_RED_ACK_LIMIT_SECONDS: '1', TRIAGE_ESCALATION_INTERVAL_MS: '200', TRIAGE_ESCALATION_CHAIN: 'care-team,on-call,head-nurse' },
      // Its own PostgreSQL and Kafka broker: the journey spec runs the same services on the suite's shared ones, with
      // the same schemas, topics and consumer groups, and failed whenever it ran after this spec (its triage
      // picked up this spec's patients and alerts and stalled for the rest of its tests).
      kafka: true,
      dataDir,
      portOffset: platformPortOffset(750),
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('a late measurement changes a past colour; a correction changes the current one', async () => {
    const patientId = await enrol();
    await spo2(patientId, 96, ago(10));
    await spo2(patientId, 95, ago(2));
    await eventually(async () => ((await decisions(patientId)).length === 1 ? true : undefined), 'the first assessment');
    await spo2(patientId, 86, ago(6));
    const revised = await eventually(async () => {
      const all = await decisions(patientId);
      return all.length === 3 ? all : undefined;
    }, 'the late reading to revise the past');
    expect(revised.map((d) => [d.colour, d.revision, d.current])).toEqual([
      ['green', false, true],
      ['red', true, false],
      ['green', false, true],
    ]);
    expect(await colourOf(patientId)).toBe('green');

    // A typo makes the patient red; the clinician's correction through the FHIR API turns them green again.
    const typo = await spo2(patientId, 80, new Date());
    await eventually(async () => ((await colourOf(patientId)) === 'red' ? true : undefined), 'the typo to turn the patient red');
    const corrected = await api('PUT', `/fhir/Observation/${typo}`, await token('clinician'), {
      resourceType: 'Observation',
      status: 'amended',
      valueQuantity: { value: 96, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      note: [{ text: 'patient typed 80 for 96' }],
    });
    expect(corrected.status).toBe(200);
    await eventually(async () => ((await colourOf(patientId)) === 'green' ? true : undefined), 'the correction to be assessed');
  });

  it('escalates an unacknowledged red alert along the chain until someone acknowledges it', async () => {
    const patientId = await enrol();
    await spo2(patientId, 84, new Date());
    const clinician = await token('clinician');
    const escalated = await eventually(async () => {
      const alerts = (await api('GET', `/api/alerts?patient=${patientId}`, clinician)).body.alerts as { id: string; escalationLevel: number }[];
      if (!(alerts[0] && alerts[0].escalationLevel >= 2)) throw new Error(JSON.stringify(alerts));
      return alerts[0];
    }, 'the red alert to escalate twice', 45_000);
    const acknowledged = await api('POST', `/api/alerts/${escalated.id}/acknowledge`, clinician);
    expect(acknowledged.status).toBe(200);
    const levels = (acknowledged.body.history as { type: string }[]).filter((h) => h.type === 'AlertEscalated').length;
    expect(levels).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 1_500));
    const after = (await api('GET', `/api/alerts/${escalated.id}`, clinician)).body as { history: { type: string }[] };
    expect(after.history.filter((h) => h.type === 'AlertEscalated')).toHaveLength(levels);
  });

  it('the npm scripts publish a new rule set version, verify decisions made under the older one, and run a what-if', async () => {
    const patientId = await enrol();
    await spo2(patientId, 89, ago(3));
    await eventually(async () => ((await colourOf(patientId)) === 'red' ? true : undefined), 'red under version 1');
    const env = { VARDE_URL: platform.baseUrl };
    const copd = await readFile(join(repoRoot, 'services', 'triage', 'rule-sets', 'copd-default.yaml'), 'utf8');
    await mkdir(dataDir, { recursive: true });
    const v2 = join(dataDir, 'copd-v2.yaml');
    await writeFile(v2, copd.replace('threshold: 90', 'threshold: 88'));
    const broken = join(dataDir, 'copd-broken.yaml');
    await writeFile(broken, copd.replace('threshold: 90', 'threshold: 120'));

    const invalid = await runScript('triage/rule-set.ts', ['validate', broken], { ...env, VARDE_TOKEN: await token('pathway-designer') });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/line \d+, column \d+: impossible threshold 120/);
    const published = await runScript('triage/rule-set.ts', ['publish', v2], { ...env, VARDE_TOKEN: await token('pathway-designer') });
    expect(published.stderr).toBe('');
    expect(published.stdout).toMatch(/^copd-default v2 sha256:[0-9a-f]{64}/);

    await spo2(patientId, 89.5, new Date());
    await eventually(async () => ((await decisions(patientId)).some((d) => d.provenance.ruleSetVersion === 2) ? true : undefined), 'a decision under version 2');
    const verified = await runScript('triage/verify.ts', ['--patient', patientId, '--reason', 'e2e review of the decisions', '--json'], { ...env, VARDE_TOKEN: await token('auditor') });
    expect(verified.code).toBe(0);
    const results = JSON.parse(verified.stdout) as { verified: boolean; ruleSet: { version: number } }[];
    expect(results.map((r) => r.ruleSet.version)).toEqual(expect.arrayContaining([1, 2]));
    expect(results.every((r) => r.verified)).toBe(true);

    const whatIf = await runScript('triage/what-if.ts', ['--pathway', 'copd', '--candidate', v2.replace('v2', 'broken'), '--from', ago(24).toISOString(), '--to', new Date().toISOString()], { ...env, VARDE_TOKEN: await token('pathway-designer') });
    expect(whatIf.code).toBe(1);
    expect(whatIf.stderr).toMatch(/HTTP 400: \n {2}rules\[0\]\.threshold: line \d+/);
    const candidate = join(dataDir, 'copd-candidate.yaml');
    await writeFile(candidate, copd.replace('threshold: 90', 'threshold: 80'));
    const whatIfArgs = ['--pathway', 'copd', '--candidate', candidate, '--from', ago(24).toISOString(), '--to', new Date().toISOString()];
    // This platform holds fewer than five COPD patients: a designer gets no aggregate that could single one out.
    const tooFew = await runScript('triage/what-if.ts', whatIfArgs, { ...env, VARDE_TOKEN: await token('pathway-designer') });
    expect(tooFew.code).toBe(1);
    expect(tooFew.stderr).toMatch(/aggregates are shown only over at least 5/);
    const report = await runScript('triage/what-if.ts', whatIfArgs, { ...env, VARDE_TOKEN: await token('auditor') });
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/What-if for pathway copd, .*: \d+ patients, \d+ evaluations in \d+ ms/);
    expect(report.stdout).toMatch(/published v2/);
    expect(report.stdout).toMatch(/alerts\s+\d+\s+\d+\s+-\d+/);
  });

  it("the auditor's view: one patient's story across the services, the state as of an instant, FHIR exports, and audit:verify of every decision", async () => {
    const patientId = await enrol();
    await spo2(patientId, 87, ago(1));
    await eventually(async () => ((await colourOf(patientId)) === 'red' ? true : undefined), 'the patient red');
    const auditor = await token('auditor');
    const audited = async (path: string) => {
      const response = await fetch(`${platform.baseUrl}${path}`, { headers: { authorization: `Bearer ${auditor}`, 'audit-reason': 'complaint 2026/117' } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    type Event = { type: string; summary: string; actor: { role: string } | null; inputs?: string[]; eventId: string };
    const timeline = await eventually(async () => {
      const { body } = await audited(`/api/audit/patients/${patientId}/timeline`);
      const events = (body.events ?? []) as Event[];
      const types = new Set(events.map((e) => e.type));
      return ['varde.pathways.v1.PatientEnrolled', 'varde.measurements.v1.MeasurementRecorded', 'varde.triage.v1.PatientTriaged', 'varde.triage.v1.AlertRaised', 'varde.sharing.v1.AccessLogged'].every((t) => types.has(t)) ? events : undefined;
    }, 'events of pathways, measurements, triage and sharing on the timeline');
    expect(timeline.find((e) => e.type === 'varde.pathways.v1.PatientEnrolled')!.actor).toMatchObject({ role: 'clinician' });
    const decision = timeline.find((e) => e.type === 'varde.triage.v1.PatientTriaged' && e.summary.startsWith('Triaged red'))!;
    const measurement = timeline.find((e) => e.type === 'varde.measurements.v1.MeasurementRecorded')!;
    expect(decision.inputs).toContain(measurement.eventId);

    const state = await audited(`/api/audit/patients/${patientId}/state`);
    expect(state.body).toMatchObject({ enrolment: { status: 'active', pathwayId: 'copd' }, triage: { colour: 'red' }, openAlerts: [expect.objectContaining({ colour: 'red' })] });
    const before = await audited(`/api/audit/patients/${patientId}/state?at=${encodeURIComponent(ago(2).toISOString())}`);
    expect(before.body).toMatchObject({ triage: null });

    const provenance = await audited(`/fhir/Provenance?patient=Patient/${patientId}`);
    expect(provenance.status).toBe(200);
    indexR4Definitions();
    expect(r4Issues(provenance.body)).toEqual([]);

    // The patient sees the auditor and the reason in their access log.
    const log = await api('GET', `/api/patients/${patientId}/access-log`, await mintDevToken({ role: 'patient', patientId, issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') }));
    expect((log.body.entries as { purpose: string; actor: { role: string } }[]).some((e) => e.purpose === 'audit: complaint 2026/117' && e.actor.role === 'auditor')).toBe(true);

    const env = { VARDE_URL: platform.baseUrl, VARDE_TOKEN: auditor, DATABASE_URL: platform.databaseUrl };
    const trustedKey = ['--trusted-key', join(dataDir, 'audit', 'event-chain-signing-key.pub.pem')];
    const run = await eventually(async () => {
      const result = await runScript('audit/verify.ts', ['--from', ago(48).toISOString(), '--to', new Date(Date.now() + 60_000).toISOString(), '--pathway', 'copd', ...trustedKey, '--json'], env);
      if (!result.stdout.trim()) throw new Error(result.stderr);
      const report = JSON.parse(result.stdout) as { chains: { ok: boolean; checked: number }[]; decisions: { total: number; verified: number; differing: number; unverifiable: number } };
      // Sealed events of every log checked. Not "nothing unsealed": the platform keeps writing (this test's own reads
      // are access-log events), and on a loaded machine a moment with every log sealed to its end may not come.
      return report.chains.every((c) => c.checked > 0) ? { result, report } : undefined;
    }, 'audit:verify over sealed logs', 90_000);
    expect(run.result.code).toBe(0);
    expect(run.report.chains.every((c) => c.ok)).toBe(true);
    expect(run.report.decisions.total).toBeGreaterThanOrEqual(1);
    expect(run.report.decisions).toMatchObject({ differing: 0, unverifiable: 0 });
    expect(run.report.decisions.verified).toBe(run.report.decisions.total);
    const readable = await runScript('audit/verify.ts', ['--from', ago(48).toISOString(), '--to', new Date(Date.now() + 60_000).toISOString(), '--skip-chains'], env);
    expect(readable.stdout).toMatch(/Triage decisions: \d+ re-run in [\d.]+ s \([\d.]+\/s\): \d+ verified, 0 differ, 0 could not be verified/);
  });

  it('npm run rebuild drops every service\'s read models and rebuilds each from the log equal to the live one', async () => {
    // Something in every rebuildable table beside triage's: a pause that ends by itself, a form assignment with an
    // expiry and a draft response, a block, an emergency access by a clinician of another team.
    const patientId = await enrol();
    // A second patient answers forms: a pause would close the first one's assignments.
    const answering = await enrol();
    const clinician = await token('clinician');
    const patient = await mintDevToken({ role: 'patient', patientId, issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') });
    const answeringPatient = await mintDevToken({ role: 'patient', patientId: answering, issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') });
    const outsider = await mintDevToken({ role: 'clinician', careTeams: ['heart-failure-care-team'], issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') });
    const post = async (path: string, bearer: string, body: unknown) => {
      const response = await fetch(`${platform.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, ...auditReasonFor(bearer), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, text: await response.text() };
    };
    const in2Days = new Date(Date.now() + 48 * HOUR).toISOString();
    const cat = 'https://varde.no/fhir/Questionnaire/cat';
    const written = [
      await post(`/api/enrolments/${patientId}/pause`, clinician, { reason: 'admitted to hospital', until: in2Days }),
      await post(`/api/patients/${answering}/form-assignments`, clinician, { questionnaire: 'https://varde.no/fhir/Questionnaire/phq-9|1', dueAt: new Date(Date.now() + 24 * HOUR).toISOString(), expiresAt: in2Days }),
      await post('/fhir/QuestionnaireResponse', answeringPatient, {
        resourceType: 'QuestionnaireResponse',
        questionnaire: `${cat}|1`,
        status: 'in-progress',
        subject: { reference: `Patient/${answering}` },
        authored: new Date().toISOString(),
        item: [{ linkId: 'cough', answer: [{ valueInteger: 2 }] }],
      }),
      await post('/fhir/Consent', patient, optOutConsent(patientId, { actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] }, reference: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '1234567' } } }] })),
      await post(`/api/patients/${patientId}/emergency-access`, outsider, { reason: 'Akutt dyspné i mottak, pasienten kan ikke svare', minutes: 30 }),
    ];
    expect(written.map((w) => [w.status < 300, w.text.slice(0, 300)])).toEqual(written.map((w) => [true, w.text.slice(0, 300)]));

    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    // Each table's rows as JSON, in one order; the worklist without updated_at (the time the row was written, not what it says).
    const rowsOf = async (schema: string, table: string) =>
      (await client.query(`SELECT to_jsonb(t) ${table === 'worklist' ? "- 'updated_at'" : ''} AS row FROM "${schema}"."${table}" t`)).rows.map((r) => JSON.stringify(r.row)).sort();
    const tables: Readonly<Record<string, readonly string[]>> = {
      forms: ['questionnaire_responses', 'form_assignment_deadlines'],
      measurements: ['measurements', 'measurement_chunks'],
      pathways: ['enrolment_pause_ends'],
      sharing: ['consents', 'emergency_access', 'guardianships'],
      triage: ['worklist', 'alerts', 'triage_patients', 'triage_inputs'],
    };
    const snapshot = async (service: string) => Object.fromEntries(await Promise.all(tables[service]!.map(async (table) => [table, await rowsOf(service, table)] as const)));
    try {
      for (const service of Object.keys(tables) as Parameters<RunningPlatform['stopService']>[0][]) {
        // Stopped, so that nothing it writes meanwhile (a scheduled check) makes the two snapshots differ.
        await platform.stopService(service);
        try {
          const live = await snapshot(service);
          const timeline = service === 'sharing' ? await rowsOf(service, 'audit_timeline') : [];
          const run = await runScript('rebuild.ts', ['--service', service, '--projection', 'all'], { DATABASE_URL: platform.databaseUrl });
          expect(run.code, run.stderr).toBe(0);
          expect(await snapshot(service)).toEqual(live);
          if (service === 'sharing') {
            // The auditor's timeline is rebuilt from every integration topic on the platform's Kafka when named, which
            // the other services go on publishing to: it holds every live row, and what arrived while sharing was stopped.
            expect(await rowsOf(service, 'audit_timeline')).toEqual(timeline);
            const fromKafka = await runScript('rebuild.ts', ['--service', 'sharing', '--projection', 'audit-timeline'], { DATABASE_URL: platform.databaseUrl, KAFKA_BROKERS: platform.kafkaBrokers! });
            expect(fromKafka.code, fromKafka.stderr).toBe(0);
            expect(timeline.length).toBeGreaterThan(0);
            expect(await rowsOf(service, 'audit_timeline')).toEqual(expect.arrayContaining(timeline));
          }
          if (service === 'triage') {
            expect(live['worklist']!.length).toBeGreaterThan(0);
            expect(live['alerts']!.length).toBeGreaterThan(0);
            expect(run.stdout).toMatch(/triage\/worklist rebuilt in schema triage from \d+ events/);
            expect(run.stdout).toMatch(/triage\/alerts rebuilt .* rows in alerts/);
            expect(run.stdout).toMatch(/triage\/triage-history rebuilt .* rows in triage_inputs/);
          }
        } finally {
          await platform.startService(service);
        }
      }
      // Every table the test filled came back (an empty table rebuilt empty would prove nothing).
      for (const [service, names] of Object.entries(tables)) {
        for (const table of names.filter((t) => t !== 'guardianships' && t !== 'measurement_chunks')) expect((await rowsOf(service, table)).length, `${service}.${table}`).toBeGreaterThan(0);
      }
      expect((await rowsOf('pathways', 'enrolment_pause_ends')).some((row) => row.includes(patientId))).toBe(true);
      expect((await rowsOf('forms', 'form_assignment_deadlines')).some((row) => row.includes(answering))).toBe(true);
      expect((await rowsOf('sharing', 'emergency_access')).some((row) => row.includes(patientId))).toBe(true);

      const unknown = await runScript('rebuild.ts', ['--service', 'triage', '--projection', 'nothing'], { DATABASE_URL: platform.databaseUrl });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('--projection: triage has worklist, alerts, triage-history (or all); got "nothing"');
    } finally {
      await client.end();
    }
  });

  it('seals the log of every service into its hash chain; audit:check finds it intact, then names an event edited in PostgreSQL', async () => {
    const env = { DATABASE_URL: platform.databaseUrl };
    const trustedKey = ['--trusted-key', join(dataDir, 'audit', 'event-chain-signing-key.pub.pem')];
    const intact = await eventually(async () => {
      const run = await runScript('audit/check.ts', [...trustedKey, '--json'], env);
      const reports = JSON.parse(run.stdout) as { schema: string; ok: boolean; checked: number }[];
      return run.code === 0 && reports.every((r) => r.ok && r.checked > 0) ? reports : undefined;
    }, 'every service log sealed and intact');
    expect(intact.map((r) => r.schema).sort()).toEqual(['forms', 'measurements', 'pathways', 'sharing', 'triage']);

    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ stream_id: string; stream_position: string }>(
        `UPDATE triage.emt_messages SET message_data = message_data || '{"colour": "green"}'
          WHERE (stream_id, stream_position) = (SELECT e.stream_id, e.stream_position FROM triage.event_chain e ORDER BY e.seq LIMIT 1)
          RETURNING stream_id, stream_position::text`,
      );
      const broken = await runScript('audit/check.ts', [...trustedKey, '--service', 'triage'], env);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(`BROKEN   triage`);
      expect(broken.stdout).toContain(`changed              event ${rows[0]!.stream_id}@${rows[0]!.stream_position}`);
    } finally {
      await client.end();
    }
  });
});
