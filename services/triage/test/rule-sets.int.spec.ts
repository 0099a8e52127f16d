import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { integrationEventTypes } from '@varde/contracts';
import { schemaConnectionString } from '@varde/database';
import { deadLetterTopic, PostgresMessageBus } from '@varde/messaging';
import { eventually, type ServiceProcess, startServiceStack, startTestIssuer, syntheticNationalId, type TestIssuer, auditReasonFor } from '@varde/testing';
import pg from 'pg';
import { measurementRecorded, patientEnrolled, questionnaireTaskMissed, scoreSubmitted, spo2Corrected, spo2EnteredInError, spo2Recorded } from './triage-messages';

const databaseUrl = inject('databaseUrl');
const copd = readFileSync(join(__dirname, '..', 'rule-sets', 'copd-default.yaml'), 'utf8');
const HOUR = 3_600_000;

type Decision = { assessmentId: string; colour: string; previousColour: string | null; effectiveAt: string; revision: boolean; current: boolean; reasons: { text: string }[]; provenance: { ruleSetVersion: number } };
type Problem = { field: string; message: string; line: number; column: number };

describe('triage rule sets, overrides, late data, verification and what-if (real pathways, sharing and triage on the embedded bus)', () => {
  let issuer: TestIssuer;
  let pathways: ServiceProcess;
  let triage: ServiceProcess;
  let stop: () => Promise<void>;
  let bus: PostgresMessageBus;
  let triageDb: pg.Pool;
  let clinician: string;
  let designer: string;
  let auditor: string;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    // Missing-report checks run every 200 ms so a due check is seen within the test.
    const stack = await startServiceStack(['pathways', 'sharing', 'triage'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url }, { triage: { TRIAGE_MISSING_REPORT_INTERVAL_MS: '200' } });
    ({ pathways, triage } = stack.services as Record<'pathways' | 'triage', ServiceProcess>);
    stop = stack.stop;
    bus = new PostgresMessageBus({ databaseUrl, schema: stack.busSchema });
    triageDb = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, stack.schemas.triage!), max: 2 });
    [clinician, designer, auditor] = await Promise.all([issuer.token('clinician'), issuer.token('pathway-designer'), issuer.token('auditor')]);
  });

  afterAll(async () => {
    await stop?.();
    await Promise.allSettled([bus?.close(), triageDb?.end(), issuer?.close()]);
  });

  // What an auditor states when opening a patient (issue #22): required of them, kept in the access log.
  const AUDIT_REASON = { 'audit-reason': 'rule set review 2026/12' };
  const call = async (method: string, path: string, token: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${triage.url}${path}`, {
      method,
      headers: { ...auditReasonFor(token), ...headers, authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const enrol = async (): Promise<string> => {
    const response = await fetch(`${pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }),
    });
    expect(response.status).toBe(201);
    const { patientId } = (await response.json()) as { patientId: string };
    await eventually(async () => ((await triageDb.query('SELECT 1 FROM worklist WHERE patient_id = $1', [patientId])).rowCount ? true : undefined), 'the enrolment to reach triage');
    return patientId;
  };
  const decisions = async (patientId: string): Promise<Decision[]> => {
    const response = await call('GET', `/api/patients/${patientId}/triage/history`, auditor, undefined, undefined, AUDIT_REASON);
    expect(response.status).toBe(200);
    return ((await response.json()) as { decisions: Decision[] }).decisions;
  };
  const current = async (patientId: string): Promise<{ colour: string; reasons: string[] }> => {
    const response = await call('GET', `/api/patients/${patientId}/triage`, clinician);
    expect(response.status).toBe(200);
    return (await response.json()) as { colour: string; reasons: string[] };
  };
  const countOf = async (type: string): Promise<number> => Number((await triageDb.query<{ n: string }>('SELECT count(*) AS n FROM emt_messages WHERE message_type = $1', [type])).rows[0]!.n);
  const ago = (hours: number): Date => new Date(Date.now() - hours * HOUR);

  it('ships the cited COPD rule set as version 1 of copd-default, with its source, hash and JSON Schema', async () => {
    const list = await call('GET', '/api/rule-sets', clinician);
    expect(list.status).toBe(200);
    const { ruleSets } = (await list.json()) as { ruleSets: { id: string; version: number; pathwayId: string; contentHash: string }[] };
    // Every shipped rule set is listed (copd-default and, since pathways ships it, heart-failure-default).
    expect(ruleSets).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'copd-default', version: 1, pathwayId: 'copd', contentHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) })]));
    expect(ruleSets.map((r) => r.id).sort()).toEqual(['copd-default', 'heart-failure-default']);
    const one = (await (await call('GET', '/api/rule-sets/copd-default/versions/1', designer)).json()) as { source: string; document: { sources: Record<string, string> } };
    expect(one.source).toBe(copd);
    expect(Object.keys(one.document.sources)).toContain('rcp-news2-2017');
    const schema = (await (await call('GET', '/api/rule-sets/schema', designer)).json()) as { title: string };
    expect(schema.title).toBe('Varde triage rule set');
    expect((await call('GET', '/api/rule-sets/nope', designer)).status).toBe(404);
    expect((await call('GET', '/api/rule-sets', await issuer.token('patient', { patientId: '00000000-0000-4000-8000-000000000000' }))).status).toBe(403);
  });

  it('refuses a rule set with problems at publish, naming line and problem of each, and publishes nothing', async () => {
    const broken = copd.replace('threshold: 90', 'threshold: 120').replace('code: loinc:8310-5', 'code: loinc:1234-5');
    const before = await countOf('RuleSetPublished');
    const response = await call('POST', '/api/rule-sets', designer, broken, 'application/yaml');
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Problem[] };
    const lines = broken.split('\n');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: lines.findIndex((l) => l.includes('threshold: 120')) + 1, message: expect.stringContaining('impossible threshold 120') }),
        expect.objectContaining({ line: lines.findIndex((l) => l.includes('loinc:1234-5')) + 1, message: expect.stringContaining('unknown measurement code loinc:1234-5') }),
      ]),
    );
    const syntax = await call('POST', '/api/rule-sets', designer, '{"id": "x", "rules": [', 'text/plain');
    expect(syntax.status).toBe(400);
    expect(((await syntax.json()) as { errors: Problem[] }).errors[0]).toMatchObject({ line: 1, message: expect.stringContaining('invalid JSON') });
    const validated = (await (await call('POST', '/api/rule-sets/validate', designer, broken, 'application/yaml')).json()) as { valid: boolean; problems: Problem[] };
    expect(validated.valid).toBe(false);
    expect(validated.problems.length).toBeGreaterThanOrEqual(2);
    expect(await countOf('RuleSetPublished')).toBe(before);
    // Only pathway designers publish.
    expect((await call('POST', '/api/rule-sets', clinician, copd, 'application/yaml')).status).toBe(403);
  });

  it('answers JSON nested 10 000 deep with a 400, as JSON body and as text, on validate and publish', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const nested = `{"id": "deep", "rules": ${deep}}`;
    for (const [path, contentType] of [['/api/rule-sets/validate', 'application/json'], ['/api/rule-sets/validate', 'text/plain'], ['/api/rule-sets', 'application/json'], ['/api/rule-sets', 'application/yaml']] as const) {
      const response = await call('POST', path, designer, nested, contentType);
      expect(response.status, `${path} as ${contentType}`).toBe(400);
      expect(JSON.stringify(await response.json())).toMatch(/nested|deep/);
    }
  });

  it('a late measurement changes a past colour: the revision is on record, the worklist shows the outcome now, and both verify', async () => {
    const patientId = await enrol();
    await bus.publish([spo2Recorded(patientId, 96, ago(10)), spo2Recorded(patientId, 95, ago(2))]);
    await eventually(async () => ((await decisions(patientId)).length === 1 ? true : undefined), 'the first assessment');
    await bus.publish([spo2Recorded(patientId, 86, ago(6))]);
    const revised = await eventually(async () => {
      const all = await decisions(patientId);
      return all.length === 3 ? all : undefined;
    }, 'the late reading to be assessed');
    expect(revised.map((d) => [d.colour, d.revision, d.current])).toEqual([
      ['green', false, true],
      ['red', true, false],
      ['green', false, true],
    ]);
    expect(revised[1]!.reasons.map((r) => r.text)).toEqual(['SpO2 86 % is below 90 %', 'SpO2 fell 10 % to 86 % within 48 h']);
    expect(Date.parse(revised[1]!.effectiveAt)).toBeLessThan(Date.parse(revised[2]!.effectiveAt));
    expect((await current(patientId)).colour).toBe('green');
    // A past red does not page anyone: no alert for this patient.
    expect((await triageDb.query('SELECT 1 FROM alerts WHERE patient_id = $1', [patientId])).rowCount).toBe(0);
    for (const decision of revised) {
      const response = await call('POST', `/api/patients/${patientId}/triage/assessments/${decision.assessmentId}/verify`, auditor, undefined, undefined, AUDIT_REASON);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ verified: true, differences: [], replayed: { colour: decision.colour }, ruleSet: { id: 'copd-default', version: 1, hashMatches: true } });
    }
    expect((await call('POST', `/api/patients/${patientId}/triage/assessments/00000000-0000-4000-8000-000000000000/verify`, auditor, undefined, undefined, AUDIT_REASON)).status).toBe(404);
    // An auditor opens a patient only with a stated reason (issue #22), for the history and a verification alike.
    for (const [method, path] of [['GET', `/api/patients/${patientId}/triage/history`], ['POST', `/api/patients/${patientId}/triage/assessments/${revised[0]!.assessmentId}/verify`]] as const) {
      const refused = await call(method, path, auditor, undefined, 'application/json', { 'audit-reason': '' });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('audit-reason: required: why you open this patient');
    }
  });

  it('re-evaluates on measurement corrections and entries in error', async () => {
    const patientId = await enrol();
    const measurementId = 'typo-' + patientId;
    const typo = measurementRecorded(patientId, 86, ago(1), { measurementId });
    await bus.publish([typo]);
    await eventually(async () => ((await current(patientId)).colour === 'red' ? true : undefined), 'the typo to turn the patient red');
    await bus.publish([spo2Corrected(patientId, measurementId, 96, 86, ago(1))]);
    expect(await eventually(async () => ((await current(patientId)).colour === 'green' ? await current(patientId) : undefined), 'the correction to be assessed')).toMatchObject({ colour: 'green' });
    const low = spo2Recorded(patientId, 86, new Date());
    await bus.publish([low]);
    await eventually(async () => ((await current(patientId)).colour === 'red' ? true : undefined), 'the second low reading');
    const lowId = (await triageDb.query<{ measurement_id: string }>('SELECT measurement_id FROM triage_inputs WHERE event_id = $1', [low.id])).rows[0]!.measurement_id;
    await bus.publish([spo2EnteredInError(patientId, lowId, ago(1))]);
    await eventually(async () => ((await current(patientId)).colour === 'green' ? true : undefined), 'the entry in error to be withdrawn');
    expect((await triageDb.query('SELECT 1 FROM triage_inputs WHERE patient_id = $1', [patientId])).rowCount).toBe(1);
  });

  it('a clinician sets a patient their own SpO2 threshold with a reason; bad overrides are refused and write nothing', async () => {
    const patientId = await enrol();
    await bus.publish([spo2Recorded(patientId, 88, ago(1))]);
    await eventually(async () => ((await current(patientId)).colour === 'red' ? true : undefined), 'the patient to turn red');
    const path = `/api/patients/${patientId}/triage/overrides/spo2-low`;
    const before = await countOf('RuleOverrideSet');
    for (const [body, field] of [
      [{ value: 120, reason: 'baseline' }, 'value'],
      [{ value: 86 }, 'reason'],
      [{ value: '86', reason: 'baseline' }, 'value'],
    ] as const) {
      const response = await call('PUT', path, clinician, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe(field);
    }
    expect((await call('PUT', `/api/patients/${patientId}/triage/overrides/no-such-rule`, clinician, { value: 80, reason: 'x' })).status).toBe(400);
    expect((await call('PUT', path, auditor, { value: 86, reason: 'baseline' })).status).toBe(403);
    expect(await countOf('RuleOverrideSet')).toBe(before);

    const set = await call('PUT', path, clinician, { value: 86, reason: 'stable baseline 87–89 % for two years' });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ version: 1, colour: 'green', overrides: [{ ruleId: 'spo2-low', parameter: 'threshold', value: 86, reason: 'stable baseline 87–89 % for two years' }] });
    expect((await current(patientId)).colour).toBe('green');
    await bus.publish([spo2Recorded(patientId, 85, new Date())]);
    await eventually(async () => ((await current(patientId)).reasons.includes('SpO2 85 % is below 86 %') ? true : undefined), 'the personal threshold to apply');
    const removed = await call('DELETE', path, clinician, { reason: 'baseline improved' });
    expect(await removed.json()).toMatchObject({ version: 2, overrides: [], colour: 'red' });

    // Both are published for the auditor's timeline (issue #22): an input of every later decision, which names their version.
    const published = await eventually(async () => {
      const ours = (await bus.readAll('varde.triage.v1')).filter((m) => m.key === patientId && m.type.startsWith('varde.triage.v1.RuleOverride'));
      return ours.length === 2 ? ours : undefined;
    }, 'the override changes on the bus');
    expect(published.map((m) => [m.type, integrationEventTypes[m.type as 'varde.triage.v1.RuleOverrideSet'].decode(m.payload)])).toEqual([
      ['varde.triage.v1.RuleOverrideSet', expect.objectContaining({ patientId, ruleId: 'spo2-low', parameter: 'threshold', value: 86, reason: 'stable baseline 87–89 % for two years', overridesVersion: 1 })],
      ['varde.triage.v1.RuleOverrideRemoved', expect.objectContaining({ patientId, ruleId: 'spo2-low', reason: 'baseline improved', overridesVersion: 2 })],
    ]);
  });

  it('an enrolment on a rule set triage does not have is dead-lettered with the reason, and the consumer goes on', async () => {
    const patientId = '7a9f1c3e-0000-4000-8000-000000000001';
    const orphan = patientEnrolled(patientId, 'asthma-default');
    const pinned = patientEnrolled('7a9f1c3e-0000-4000-8000-000000000002', 'copd-default', 99);
    await bus.publish([orphan, pinned]);
    const letters = await eventually(async () => {
      const all = await bus.readAll(deadLetterTopic('varde.pathways.v1', 'triage.assessment'));
      return all.filter((m) => m.id === orphan.id || m.id === pinned.id).length === 2 ? all : undefined;
    }, 'both enrolments to be dead-lettered');
    expect(letters.find((m) => m.id === orphan.id)?.headers?.['dlt_error']).toMatch(/Rule set asthma-default is not published/);
    expect(letters.find((m) => m.id === pinned.id)?.headers?.['dlt_error']).toMatch(/Rule set copd-default has no published version 99/);
    const after = await enrol();
    expect((await current(after)).colour).toBe('green');
  });

  it('assesses with the rule set and care team the enrolment event named, without asking pathways', async () => {
    // Pathways has never heard of this patient: had triage asked it, the reading would be dead-lettered as not enrolled.
    const patientId = '7a9f1c3e-0000-4000-8000-000000000003';
    await bus.publish([patientEnrolled(patientId, 'copd-default', 1, 'copd-care-team')]);
    await eventually(async () => ((await triageDb.query('SELECT 1 FROM worklist WHERE patient_id = $1', [patientId])).rowCount ? true : undefined), 'the enrolment to reach triage');
    await bus.publish([spo2Recorded(patientId, 88, ago(1))]);
    const red = await eventually(async () => {
      const now = await current(patientId);
      return now.colour === 'red' ? now : undefined;
    }, 'the reading to be assessed');
    expect(red.reasons).toEqual(['SpO2 88 % is below 90 %']);
    const [decision] = await decisions(patientId);
    expect(decision!.provenance.ruleSetVersion).toBe(1);
  });

  it('checks for missing reports when they fall due: no SpO2 for 48 h turns the patient yellow', async () => {
    const patientId = await enrol();
    const taken = ago(72);
    await bus.publish([spo2Recorded(patientId, 95, taken)]);
    const yellow = await eventually(async () => {
      const now = await current(patientId);
      return now.colour === 'yellow' ? now : undefined;
    }, 'the scheduled check to find the report missing');
    expect(yellow.reasons).toEqual(['No SpO2 reported for 48 h (expected daily)']);
    // Decided at exactly the moment the report fell due, so the decision is the same whenever the check ran.
    const [, check] = await decisions(patientId);
    expect(Date.parse(check!.effectiveAt)).toBe(taken.getTime() + 48 * HOUR);
  });

  it('a new rule set version applies to later assessments; a decision under the older version still verifies; a what-if compares a candidate without writing', async () => {
    const patientId = await enrol();
    await bus.publish([spo2Recorded(patientId, 89, ago(3))]);
    await eventually(async () => ((await current(patientId)).colour === 'red' ? true : undefined), 'red under version 1');
    const [underV1] = (await decisions(patientId)).slice(-1);
    expect(underV1!.provenance.ruleSetVersion).toBe(1);

    // Version 2: SpO2 below 88 is red (not below 90).
    const v2 = copd.replace('threshold: 90', 'threshold: 88');
    const published = await call('POST', '/api/rule-sets', designer, v2, 'application/yaml', { 'x-correlation-id': 'publish-v2' });
    expect(published.status).toBe(201);
    expect(await published.json()).toMatchObject({ id: 'copd-default', version: 2, publishedBy: expect.any(String) });
    const again = await call('POST', '/api/rule-sets', designer, v2, 'application/yaml');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { version: number }).version).toBe(2);
    expect(((await (await call('GET', '/api/rule-sets/copd-default', auditor)).json()) as { versions: unknown[] }).versions).toHaveLength(2);

    await eventually(async () => {
      await bus.publish([spo2Recorded(patientId, 89, new Date())]);
      const last = (await decisions(patientId)).slice(-1)[0]!;
      return last.provenance.ruleSetVersion === 2 ? last : undefined;
    }, 'a later reading to be assessed under version 2', 10_000);
    const verification = await call('POST', `/api/patients/${patientId}/triage/assessments/${underV1!.assessmentId}/verify`, auditor, undefined, undefined, AUDIT_REASON);
    expect(await verification.json()).toMatchObject({ verified: true, ruleSet: { version: 1, hashMatches: true }, recorded: { colour: 'red' }, replayed: { colour: 'red' } });

    // What-if: a less sensitive candidate (SpO2 red below 80, no count below 92, missing reports after 20 days)
    // over the last four days of this pathway's real history.
    // What a request writes carries its correlation id: counted per request, since readings published above may
    // still be assessed meanwhile (counting the whole table failed once: 43 where 41 were expected).
    const writtenWith = async (correlationId: string): Promise<number> =>
      Number((await triageDb.query<{ n: string }>(`SELECT count(*) AS n FROM emt_messages WHERE message_metadata->>'correlationId' = $1`, [correlationId])).rows[0]!.n);
    expect(await writtenWith('publish-v2')).toBeGreaterThan(0);
    const whatIfHeaders = { 'x-correlation-id': 'what-if-requests' };
    const candidate = copd.replace('threshold: 90', 'threshold: 80').replace('threshold: 92', 'threshold: 80').replace('after: PT48H', 'after: P20D');
    const response = await call('POST', '/api/triage/what-if', designer, { pathwayId: 'copd', candidate, from: ago(96).toISOString(), to: new Date().toISOString() }, 'application/json', whatIfHeaders);
    expect(response.status).toBe(200);
    type Outcome = { alerts: number; endColour: string };
    const report = (await response.json()) as { patients: number; published: { version: number }; totals: { published: { alerts: number }; candidate: { alerts: number }; difference: { alerts: number } }; perPatient: { patientId: string; published: Outcome; candidate: Outcome }[] };
    expect(report.published.version).toBe(2);
    expect(report.patients).toBeGreaterThanOrEqual(5);
    // A designer sees no patient: no per-patient rows, and totals only over at least 5 patients.
    expect(report.perPatient).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(patientId);
    // An auditor sees each patient: this one's two readings of 89 within 24 h are yellow under version 2 (one
    // alert), green under the candidate.
    const audited = (await (await call('POST', '/api/triage/what-if', auditor, { pathwayId: 'copd', candidate, from: ago(96).toISOString(), to: new Date().toISOString() }, 'application/json', whatIfHeaders)).json()) as typeof report;
    expect(audited.totals.candidate.alerts).toBeLessThan(audited.totals.published.alerts);
    expect(audited.totals.difference.alerts).toBe(audited.totals.candidate.alerts - audited.totals.published.alerts);
    // The designer's counts are the auditor's, except that a count from 1 to 4 is suppressed (null).
    const counts = (totals: typeof report.totals.published) => [totals.alerts, ...Object.values((totals as unknown as { endColours: Record<string, number> }).endColours)];
    expect(counts(report.totals.published)).toEqual(counts(audited.totals.published).map((n) => (n > 0 && n < 5 ? null : n)));
    expect(audited.perPatient.find((p) => p.patientId === patientId)).toMatchObject({ published: { alerts: 1, endColour: 'yellow' }, candidate: { alerts: 0, endColour: 'green' } });
    // A clinician sees the rows of their own team's patients only.
    const ownTeam = (await (await call('POST', '/api/triage/what-if', await issuer.token('clinician'), { pathwayId: 'copd', candidate, from: ago(96).toISOString(), to: new Date().toISOString() }, 'application/json', whatIfHeaders)).json()) as typeof report;
    expect(ownTeam.perPatient.map((p) => p.patientId)).toContain(patientId);
    const otherTeam = (await (await call('POST', '/api/triage/what-if', await issuer.token('clinician', { careTeams: ['hjerte-ous'] }), { pathwayId: 'copd', candidate, from: ago(96).toISOString(), to: new Date().toISOString() }, 'application/json', whatIfHeaders)).json()) as typeof report;
    expect(otherTeam.perPatient).toEqual([]);
    expect(await writtenWith('what-if-requests')).toBe(0);
    const wrongPathway = await call('POST', '/api/triage/what-if', designer, { pathwayId: 'heart-failure', candidate, from: ago(96).toISOString(), to: new Date().toISOString() }, 'application/json', whatIfHeaders);
    expect(wrongPathway.status).toBe(400);
    expect(await wrongPathway.text()).toContain('candidate.pathway');
  });

  it('a rule on any questionnaire score by its code: PHQ-9 of 20 or more is red', async () => {
    const phq9 = `${copd.trimEnd()}
  - id: phq9-severe
    kind: threshold
    code: score:PHQ-9
    operator: ge
    threshold: 20
    unit: '{score}'
    colour: red
    reason: PHQ-9 score {value} (severe depression, 20 or more)
`;
    const published = await call('POST', '/api/rule-sets', designer, phq9, 'application/yaml');
    expect(published.status).toBe(201);
    const patientId = await enrol();
    const before = (await decisions(patientId)).length;
    await bus.publish([scoreSubmitted(patientId, 'https://varde.no/fhir/Questionnaire/phq-9', 'PHQ-9', 13)]);
    const moderate = await eventually(async () => (await decisions(patientId)).slice(before)[0], 'PHQ-9 13 assessed');
    expect(moderate.colour).not.toBe('red');
    await bus.publish([scoreSubmitted(patientId, 'https://varde.no/fhir/Questionnaire/phq-9', 'PHQ-9', 22)]);
    const red = await eventually(async () => {
      const now = await current(patientId);
      return now.colour === 'red' ? now : undefined;
    }, 'PHQ-9 22 to turn the patient red');
    expect(red.reasons).toContain('PHQ-9 score 22 (severe depression, 20 or more)');
  });

  it('a missing-report rule on a questionnaire: a missed PHQ-9 task turns the patient yellow until the PHQ-9 is answered', async () => {
    const missingPhq9 = `${copd.trimEnd()}
  - id: phq9-missing
    kind: missing
    code: questionnaire:https://varde.no/fhir/Questionnaire/phq-9
    after: P9D
    colour: yellow
    reason: No {display} answered for {hours} h
`;
    expect((await call('POST', '/api/rule-sets', designer, missingPhq9, 'application/yaml')).status).toBe(201);
    const patientId = await enrol();
    // The task fell due after the enrolment (as pathways schedules it); its window ends now.
    const dueAt = new Date();
    await bus.publish([questionnaireTaskMissed(patientId, 'https://varde.no/fhir/Questionnaire/phq-9|1', dueAt, dueAt)]);
    const yellow = await eventually(async () => {
      const now = await current(patientId);
      return now.colour === 'yellow' ? now : undefined;
    }, 'the missed PHQ-9 task to turn the patient yellow');
    expect(yellow.reasons.find((r: string) => r.includes('phq-9'))).toBe(`No phq-9 questionnaire answered for 0 h (the task due ${dueAt.toISOString()} was missed)`);
    await bus.publish([scoreSubmitted(patientId, 'https://varde.no/fhir/Questionnaire/phq-9', 'PHQ-9', 4)]);
    await eventually(async () => ((await current(patientId)).colour === 'green' ? true : undefined), 'green once the PHQ-9 is answered');
  });
});
