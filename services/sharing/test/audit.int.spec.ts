import { randomUUID } from 'node:crypto';
import { commonV1, formsV1Events, integrationEventTypes, measurementsV1Events, pathwaysV1Events, sharingV1Events, triageV1Events, type IntegrationEventType } from '@varde/contracts';
import { indexR4Definitions, r4Issues } from '@varde/fhir';
import { PostgresMessageBus, type IntegrationMessage } from '@varde/messaging';
import { eventually, freshSchema, startServiceProcess, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { rebuild } from '../../../scripts/rebuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const databaseUrl = inject('databaseUrl');
const schema = freshSchema('sharing_audit_it');

let issuer: TestIssuer;
let sharing: ServiceProcess;
let db: pg.Pool;
let bus: PostgresMessageBus;

const nurse = { subject: 'nurse-7', role: 'clinician', organisation: '974589095' } as const;
const at = (iso: string) => new Date(iso);

/** An integration event as its service publishes it: CloudEvents attributes, the actor headers, the protobuf payload. */
function published<T extends IntegrationEventType>(
  type: T,
  patientId: string,
  times: { effective: string; recorded: string },
  payload: Parameters<(typeof integrationEventTypes)[T]['encode']>[0],
  actor: { subject: string; role: string; organisation?: string } = nurse,
): IntegrationMessage {
  const id = randomUUID();
  const topic = type.slice(0, type.lastIndexOf('.'));
  const encode = integrationEventTypes[type].encode as (p: typeof payload) => Uint8Array;
  return {
    id,
    type,
    source: `varde/${topic.split('.')[1]}`,
    topic,
    key: patientId,
    time: times.effective,
    recordedTime: times.recorded,
    correlationId: id,
    causationId: id,
    headers: { ce_actorsubject: actor.subject, ce_actorrole: actor.role, ...(actor.organisation ? { ce_actororganisation: actor.organisation } : {}) },
    payload: encode(payload),
  };
}

/** A patient's story over one morning: enrolled, a low SpO2, red with an alert, acknowledged; later a revision. */
function story(patientId: string) {
  const spo2 = published('varde.measurements.v1.MeasurementRecorded', patientId, { effective: '2026-03-02T08:00:00.000Z', recorded: '2026-03-02T08:00:01.000Z' }, {
    measurementId: randomUUID(), patientId, code: { system: 'http://loinc.org', code: '2708-6', display: 'SpO2' }, value: 88, unit: '%', originalValue: 88, originalUnit: '%',
    effectiveTime: at('2026-03-02T08:00:00Z'), receivedTime: at('2026-03-02T08:00:01Z'), provenance: undefined, flags: [], components: [],
  }, { subject: `patient-${patientId}`, role: 'patient' });
  const assessmentId = randomUUID();
  const triaged = published('varde.triage.v1.PatientTriaged', patientId, { effective: '2026-03-02T08:00:00.000Z', recorded: '2026-03-02T08:00:02.000Z' }, {
    assessmentId, patientId, colour: commonV1.Colour.COLOUR_RED, previousColour: commonV1.Colour.COLOUR_GREEN,
    reasons: [{ ruleId: 'spo2-low', text: 'SpO2 88 % is below 90 %', code: { system: 'http://loinc.org', code: '2708-6', display: 'SpO2' }, value: 88, unit: '%', threshold: 90, inputEventId: spo2.id, effectiveTime: at('2026-03-02T08:00:00Z'), kind: 'threshold', inputs: [] }],
    provenance: { inputs: [{ eventId: spo2.id, source: 'varde.measurements.v1', position: 7 }], ruleSetId: 'copd-default', ruleSetVersion: 2, ruleSetHash: 'sha256:abc', engineVersion: '1.4.0', overridesVersion: 0 },
    assessedAt: at('2026-03-02T08:00:02Z'), effectiveTime: at('2026-03-02T08:00:00Z'), revision: false, current: true,
  }, { subject: 'varde-triage', role: 'system' });
  const alertId = randomUUID();
  return {
    spo2,
    triaged,
    assessmentId,
    alertId,
    messages: [
      published('varde.pathways.v1.PatientEnrolled', patientId, { effective: '2026-03-01T10:00:00.000Z', recorded: '2026-03-01T10:00:00.500Z' }, {
        patientId, enrolmentId: randomUUID(), pathwayId: 'copd', pathwayVersion: 3, ruleSetId: 'copd-default', ruleSetVersion: 0, enrolledAt: at('2026-03-01T10:00:00Z'),
        enrolledBy: { ...nurse, onBehalfOf: '', hprNumber: '' }, careTeamId: 'copd-care-team', admission: 1, questionnaires: ['http://varde.no/fhir/Questionnaire/cat|1'],
      }),
      published('varde.forms.v1.FormAssigned', patientId, { effective: '2026-03-01T10:01:00.000Z', recorded: '2026-03-01T10:01:00.000Z' }, {
        assignmentId: 'assignment-1', patientId, questionnaireUrl: 'http://varde.no/fhir/Questionnaire/cat', questionnaireVersion: '1', assignedAt: at('2026-03-01T10:01:00Z'),
        dueAt: at('2026-03-03T10:00:00Z'), expiresAt: undefined, assignedBy: 'clinician',
      }),
      spo2,
      triaged,
      published('varde.triage.v1.AlertRaised', patientId, { effective: '2026-03-02T08:00:02.000Z', recorded: '2026-03-02T08:00:02.000Z' }, {
        alertId, patientId, pathwayId: 'copd', colour: commonV1.Colour.COLOUR_RED, reasons: ['SpO2 88 % is below 90 %'], assessmentId, raisedAt: at('2026-03-02T08:00:02Z'), acknowledgeBy: at('2026-03-02T08:30:02Z'),
      }, { subject: 'varde-triage', role: 'system' }),
      published('varde.triage.v1.AlertAcknowledged', patientId, { effective: '2026-03-02T08:10:00.000Z', recorded: '2026-03-02T08:10:00.000Z' }, {
        alertId, patientId, acknowledgedBy: 'nurse-7', acknowledgedAt: at('2026-03-02T08:10:00Z'),
      }),
      // Recorded the next day about 09:00 the day before: a late correction's revision of the past colour.
      published('varde.triage.v1.PatientTriaged', patientId, { effective: '2026-03-02T09:00:00.000Z', recorded: '2026-03-03T12:00:00.000Z' }, {
        assessmentId: randomUUID(), patientId, colour: commonV1.Colour.COLOUR_YELLOW, previousColour: commonV1.Colour.COLOUR_RED, reasons: [],
        provenance: { inputs: [], ruleSetId: 'copd-default', ruleSetVersion: 2, ruleSetHash: 'sha256:abc', engineVersion: '1.4.0', overridesVersion: 0 },
        assessedAt: at('2026-03-03T12:00:00Z'), effectiveTime: at('2026-03-02T09:00:00Z'), revision: true, current: false,
      }, { subject: 'varde-triage', role: 'system' }),
      published('varde.pathways.v1.PatientDischarged', patientId, { effective: '2026-03-10T12:00:00.000Z', recorded: '2026-03-10T12:00:00.000Z' }, {
        patientId, enrolmentId: randomUUID(), reason: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_COMPLETED, dischargedAt: at('2026-03-10T12:00:00Z'),
        pathwayId: 'copd', careTeamId: 'copd-care-team', dischargedBy: { ...nurse, onBehalfOf: '', hprNumber: '' },
      }),
    ],
  };
}

/** What triage publishes of its own decisions beside the assessments and the alert lifecycle: an override, an assignment. */
const internalTriageEvents = (patientId: string, alertId: string): IntegrationMessage[] => [
  published('varde.triage.v1.RuleOverrideSet', patientId, { effective: '2026-03-01T12:00:00.000Z', recorded: '2026-03-01T12:00:00.000Z' }, {
    patientId, ruleId: 'spo2-low', parameter: 'threshold', value: 87, reason: 'known COPD, habitual SpO2 88-89 %', setBy: 'nurse-7', setAt: at('2026-03-01T12:00:00Z'), overridesVersion: 1,
  }),
  published('varde.triage.v1.AlertAssigned', patientId, { effective: '2026-03-02T08:12:00.000Z', recorded: '2026-03-02T08:12:00.000Z' }, {
    alertId, patientId, assignee: 'dr-berg', assignedBy: 'nurse-7', assignedAt: at('2026-03-02T08:12:00Z'),
  }),
];

const get = async (path: string, token: string, reason?: string) =>
  fetch(`${sharing.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...(reason === undefined ? {} : { 'audit-reason': reason }) } });

type TimelineBody = { events: { eventId: string; type: string; summary: string; actor: unknown; effectiveTime: string; recordedTime: string; inputs?: string[]; replay?: { href: string } }[]; next?: string };

/** Waits until the projection holds `count` events of the patient. */
const projected = (patientId: string, count: number) =>
  eventually(async () => {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.audit_timeline WHERE patient_id = $1`, [patientId]);
    return Number(rows[0]!.n) >= count ? true : undefined;
  }, `${count} events of ${patientId} on the timeline`);

/** A new patient's story, published and projected. */
async function onTimeline() {
  const patientId = randomUUID();
  const s = story(patientId);
  await bus.publish(s.messages);
  await projected(patientId, s.messages.length);
  return { patientId, ...s };
}

const accessLogOf = async (patientId: string) =>
  (await db.query<{ purpose: string; actor: { role: string; subject: string }; resource: string }>(`SELECT purpose, actor, resource FROM ${schema}.access_log WHERE patient_id = $1 ORDER BY accessed_at`, [patientId])).rows;

beforeAll(async () => {
  issuer = await startTestIssuer();
  sharing = await startServiceProcess('sharing', { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: schema });
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  bus = new PostgresMessageBus({ databaseUrl });
});

afterAll(async () => {
  await sharing?.stop();
  await Promise.allSettled([db?.end(), bus?.close(), issuer?.close()]);
});

describe('a patient timeline across the services (GET /api/audit/patients/:id/timeline)', () => {
  it('shows every event in effective-time order with words, actor, both times and the decision inputs, and logs the read with the reason', async () => {
    const { patientId, ...s } = await onTimeline();

    const auditor = await issuer.token('auditor', { subject: 'auditor-1' });
    const response = await get(`/api/audit/patients/${patientId}/timeline`, auditor, 'complaint 2026/117 from the patient');
    expect(response.status).toBe(200);
    const body = (await response.json()) as TimelineBody;
    expect(body.events.map((e) => e.type.split('.').at(-1))).toEqual([
      'PatientEnrolled', 'FormAssigned', 'MeasurementRecorded', 'PatientTriaged', 'AlertRaised', 'AlertAcknowledged', 'PatientTriaged', 'PatientDischarged',
    ]);
    const decision = body.events.find((e) => e.eventId === s.triaged.id)!;
    expect(decision.summary).toBe('Triaged red by rule set copd-default v2: SpO2 88 % is below 90 %');
    expect(decision.inputs).toEqual([s.spo2.id]);
    expect(decision.replay?.href).toBe(`/api/patients/${patientId}/triage/assessments/${s.assessmentId}/verify`);
    expect(decision.actor).toEqual({ subject: 'varde-triage', role: 'system' });
    const enrolled = body.events[0]!;
    expect(enrolled.summary).toBe('Enrolled on pathway copd v3 (care team copd-care-team, rule set copd-default, latest version, admission 1)');
    expect(enrolled.actor).toEqual({ subject: 'nurse-7', role: 'clinician', organisation: '974589095' });
    const late = body.events[6]!;
    expect(late).toMatchObject({ effectiveTime: '2026-03-02T09:00:00.000Z', recordedTime: '2026-03-03T12:00:00.000Z', summary: expect.stringContaining('revision of a past point') });
    expect(body.events.at(-1)!.summary).toBe('Discharged from pathway copd (completed)');

    expect(await accessLogOf(patientId)).toEqual([
      { purpose: 'audit: complaint 2026/117 from the patient', actor: expect.objectContaining({ role: 'auditor', subject: 'auditor-1' }), resource: `/api/audit/patients/${patientId}/timeline` },
    ]);
    // The auditor's read reaches the patient's own timeline too, as an access-log entry.
    await projected(patientId, s.messages.length + 1);
  });

  it('pages with next and bounds effective time with from/to', async () => {
    const { patientId, ...s } = await onTimeline();
    const auditor = await issuer.token('auditor');
    const seen: string[] = [];
    let path = `/api/audit/patients/${patientId}/timeline?limit=3&to=2026-03-05T00:00:00Z`;
    for (;;) {
      const body = (await (await get(path, auditor, 'supervisory review')).json()) as TimelineBody;
      seen.push(...body.events.map((e) => e.eventId));
      if (!body.next) break;
      path = `/api/audit/patients/${patientId}/timeline?limit=3&to=2026-03-05T00:00:00Z&page=${body.next}`;
    }
    expect(seen).toEqual(s.messages.slice(0, 7).map((m) => m.id));
    const from = (await (await get(`/api/audit/patients/${patientId}/timeline?from=2026-03-02T08:05:00Z&to=2026-03-20T00:00:00Z`, auditor, 'supervisory review')).json()) as TimelineBody;
    expect(from.events.map((e) => e.type.split('.').at(-1))).toEqual(['AlertAcknowledged', 'PatientTriaged', 'PatientDischarged']);
  });
});

describe('the state as of an instant (GET /api/audit/patients/:id/state)', () => {
  it('rebuilds what held at the instant, and with knownAt leaves out what was recorded later', async () => {
    const { patientId, ...s } = await onTimeline();
    const auditor = await issuer.token('auditor');
    const state = async (query: string) => {
      const response = await get(`/api/audit/patients/${patientId}/state?${query}`, auditor, 'complaint 2026/117');
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown> & { triage: { colour: string; reasons: { text: string }[]; ruleSet: { version: number }; inputs: string[] } | null };
    };

    // 08:20 on the day, as the clinician could have known it then: red, the alert open and held by the nurse.
    const then = await state('at=2026-03-02T08:20:00Z&knownAt=2026-03-02T08:20:00Z');
    expect(then).toMatchObject({
      enrolment: { status: 'active', pathwayId: 'copd', pathwayVersion: 3, careTeamId: 'copd-care-team', ruleSetId: 'copd-default' },
      triage: { colour: 'red', reasons: [{ ruleId: 'spo2-low', text: 'SpO2 88 % is below 90 %' }], ruleSet: { id: 'copd-default', version: 2, hash: 'sha256:abc' }, inputs: [s.spo2.id] },
      openAlerts: [{ alertId: s.alertId, colour: 'red', acknowledgedBy: 'nurse-7' }],
      assignedForms: [{ assignmentId: 'assignment-1', questionnaire: 'http://varde.no/fhir/Questionnaire/cat|1' }],
      consents: [],
    });
    // 10:00 that day as known at the time: still red; as known today: the revision recorded the next day (yellow).
    expect((await state('at=2026-03-02T10:00:00Z&knownAt=2026-03-02T10:00:00Z')).triage?.colour).toBe('red');
    expect((await state('at=2026-03-02T10:00:00Z')).triage?.colour).toBe('yellow');
    // Before the patient existed: an empty state, not an error.
    expect(await state('at=2026-02-01T00:00:00Z')).toMatchObject({ events: 0, enrolment: null, triage: null, openAlerts: [], assignedForms: [] });
    // After the discharge.
    expect((await state('at=2026-03-11T00:00:00Z')).enrolment).toMatchObject({ status: 'discharged', dischargeReason: 'completed' });
  });
});

describe("triage's own decisions on the timeline: the patient's rule overrides and who was given an alert", () => {
  it('shows them in words, and the state as of an instant holds the overrides in force and who held the alert', async () => {
    const { patientId, alertId, messages } = await onTimeline();
    const inner = internalTriageEvents(patientId, alertId);
    await bus.publish(inner);
    await projected(patientId, messages.length + inner.length);
    const auditor = await issuer.token('auditor');
    const body = (await (await get(`/api/audit/patients/${patientId}/timeline?limit=100`, auditor, 'complaint 2026/119')).json()) as TimelineBody;
    expect(body.events.filter((e) => inner.some((m) => m.id === e.eventId)).map((e) => e.summary)).toEqual([
      "Rule spo2-low: the patient's own threshold set to 87 by nurse-7 (overrides v1): known COPD, habitual SpO2 88-89 %",
      'Alert assigned to dr-berg by nurse-7',
    ]);
    const state = (await (await get(`/api/audit/patients/${patientId}/state?at=2026-03-02T08:20:00.000Z`, auditor, 'complaint 2026/119')).json()) as { openAlerts: unknown[]; ruleOverrides: unknown[] };
    expect(state.openAlerts).toEqual([expect.objectContaining({ alertId, assignedTo: 'dr-berg', acknowledgedBy: 'nurse-7' })]);
    expect(state.ruleOverrides).toEqual([{ ruleId: 'spo2-low', parameter: 'threshold', value: 87, reason: 'known COPD, habitual SpO2 88-89 %', setBy: 'nurse-7', setAt: '2026-03-01T12:00:00.000Z', overridesVersion: 1 }]);
  });
});

describe('the timeline is a projection of the logs', () => {
  const rowsOf = async (patientIds: readonly string[]) =>
    (await db.query(`SELECT to_jsonb(t) AS row FROM ${schema}.audit_timeline t WHERE patient_id = ANY($1) ORDER BY event_id`, [patientIds])).rows.map((r: { row: unknown }) => r.row);

  it('rebuilt from the integration topics (npm run rebuild) equals the live one, rows edited or deleted in the table restored', async () => {
    const a = await onTimeline();
    const inner = internalTriageEvents(a.patientId, a.alertId);
    await bus.publish(inner);
    await projected(a.patientId, a.messages.length + inner.length);
    const b = await onTimeline();
    const patients = [a.patientId, b.patientId];
    const live = await rowsOf(patients);
    expect(live).toHaveLength(a.messages.length + inner.length + b.messages.length);

    // Someone with access to sharing's database edits the projection: a decision's words changed, a measurement removed.
    await db.query(`UPDATE ${schema}.audit_timeline SET summary = 'Triaged green: no rule matched' WHERE event_id = $1`, [a.triaged.id]);
    await db.query(`DELETE FROM ${schema}.audit_timeline WHERE event_id = $1`, [b.spo2.id]);
    expect(await rowsOf(patients)).not.toEqual(live);

    const [line] = await rebuild('sharing', 'audit-timeline', { DATABASE_URL: databaseUrl, DB_SCHEMA: schema });
    expect(line).toMatch(new RegExp(`^sharing/audit-timeline rebuilt in schema ${schema} from \\d+ events in \\d+ ms: \\d+ rows in audit_timeline$`));
    expect(await rowsOf(patients)).toEqual(live);
  });
});

describe('the decisions of a period across patients (GET /api/audit/decisions), what audit:verify re-runs', () => {
  it('lists every decision recorded in the window, of one pathway when asked, and logs each patient read', async () => {
    const a = await onTimeline();
    const b = await onTimeline();
    const auditor = await issuer.token('auditor');
    type Decisions = { decisions: { patientId: string; data: { assessmentId: string }; replay: { href: string } }[]; next?: string };
    const list = async (query: string) => (await (await get(`/api/audit/decisions?${query}`, auditor, 'bulk verification 2026-03')).json()) as Decisions;
    // Other tests' patients share the window; these two patients' decisions are all in it.
    const mine = (d: Decisions) => d.decisions.filter((x) => x.patientId === a.patientId || x.patientId === b.patientId);
    const march2 = await list('from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&pathway=copd&limit=1000');
    expect(mine(march2).map((x) => x.data.assessmentId).sort()).toEqual([a.assessmentId, b.assessmentId].sort());
    expect(mine(march2)[0]!.replay.href).toMatch(/^\/api\/patients\/[0-9a-f-]+\/triage\/assessments\/[0-9a-f-]+\/verify$/);
    // The revisions recorded the next day are in the next day's window; another pathway has none of them.
    expect(mine(await list('from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z&limit=1000'))).toHaveLength(2);
    expect(mine(await list('from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z&pathway=heart-failure&limit=1000'))).toHaveLength(0);
    expect((await accessLogOf(a.patientId)).map((e) => [e.purpose, e.resource])).toContainEqual(['audit: bulk verification 2026-03', '/api/audit/decisions']);
    const noFrom = await get('/api/audit/decisions?to=2026-03-04T00:00:00Z', auditor, 'bulk verification 2026-03');
    expect(noFrom.status).toBe(400);
    expect(JSON.stringify(await noFrom.json())).toContain('from');
  });
});

describe('FHIR R4 exports: AuditEvent, Provenance, the whole patient as a Bundle', () => {
  type Entry = { fullUrl: string; resource: Record<string, unknown> & { resourceType: string; id: string } };
  type FhirBundle = Record<string, unknown> & { type: string; entry: Entry[]; link?: { relation: string; url: string }[] };
  const valid = (resource: Record<string, unknown>) => expect(r4Issues(resource)).toEqual([]);

  it('gives the timeline as valid R4 AuditEvents, reads as IHE BALP patient reads with the purpose', async () => {
    indexR4Definitions();
    const { patientId, ...s } = await onTimeline();
    // An auditor who is a health professional: HelseID's hpr_number travels with the read into the export.
    const auditor = await issuer.token('auditor', { subject: 'auditor-2', hprNumber: '9144889' });
    await get(`/api/audit/patients/${patientId}/timeline`, auditor, 'complaint 2026/118');
    await projected(patientId, s.messages.length + 1);

    const response = await get(`/fhir/AuditEvent?patient=Patient/${patientId}`, auditor, 'complaint 2026/118');
    expect(response.status).toBe(200);
    const bundle = (await response.json()) as FhirBundle;
    valid(bundle);
    expect(bundle.type).toBe('searchset');
    const events = bundle.entry.map((e) => e.resource);
    expect(events).toHaveLength(s.messages.length + 1);
    for (const event of events) valid(event);
    const read = events.find((e) => (e.subtype as { code: string }[])[0]!.code === 'read')!;
    expect(read).toMatchObject({
      action: 'R',
      type: { code: 'rest' },
      // Coded as the Norwegian AuditEvent profile binds it (v3 PurposeOfUse), with the purpose and reason in words.
      purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HCOMPL', display: 'health compliance' }], text: 'audit: complaint 2026/118' }],
      // A health professional's read in the shape of HL7 Norway's trust-framework profile: the reader a contained
      // PractitionerRole (the practitioner by HPR number, the legal entity by organisation number), the patient in
      // the profile's patient extension; the token's subject as altId.
      meta: { profile: ['http://hl7.no/fhir/StructureDefinition/no-domain-Trustframework-Auditevent'] },
      agent: [expect.objectContaining({ requestor: true, who: { reference: '#practitioner-role' }, altId: 'auditor-2' })],
      extension: [{ url: 'http://hl7.no/fhir/StructureDefinition/auditevent-patient-extension', valueReference: { reference: `Patient/${patientId}` } }],
      entity: [expect.objectContaining({ what: { reference: `Patient/${patientId}` } }), expect.objectContaining({ description: `/api/audit/patients/${patientId}/timeline` })],
    });
    const contained = read.contained as { resourceType: string; id: string; identifier?: { system: string; value: string }[]; practitioner?: unknown; organization?: unknown }[];
    expect(contained.find((r) => r.resourceType === 'PractitionerRole')).toMatchObject({ id: 'practitioner-role', practitioner: { reference: '#practitioner' }, organization: { reference: '#legal-entity' } });
    expect(contained.find((r) => r.id === 'practitioner')).toMatchObject({ resourceType: 'Practitioner', identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144889' }] });
    expect(contained.find((r) => r.id === 'legal-entity')).toMatchObject({ resourceType: 'Organization', identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: expect.stringMatching(/^\d{9}$/) }] });

    // A reader with no HPR number (here an auditor's token without one) is not a health professional the profile
    // describes: a BALP read with the reader and their organisation as two agents, and no profile claimed.
    await get(`/api/audit/patients/${patientId}/timeline`, await issuer.token('auditor', { subject: 'auditor-3' }), 'complaint 2026/119');
    const plain = await eventually(async () =>
      ((await (await get(`/fhir/AuditEvent?patient=${patientId}&_count=1000`, auditor, 'complaint 2026/118')).json()) as FhirBundle).entry
        .map((e) => e.resource)
        .find((e) => (e.agent as { who?: { identifier?: { value: string } } }[])[0]?.who?.identifier?.value === 'auditor-3'),
    "auditor-3's read on the timeline");
    valid(plain);
    expect(plain.meta).toBeUndefined();
    expect(plain.agent).toEqual([
      expect.objectContaining({ requestor: true, who: { identifier: { system: 'https://varde.no/fhir/sid/subject', value: 'auditor-3' } } }),
      expect.objectContaining({ requestor: false, who: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: expect.any(String) } } }),
    ]);
    const decision = events.find((e) => e.id === s.triaged.id)!;
    expect(decision).toMatchObject({ action: 'E', outcomeDesc: 'Triaged red by rule set copd-default v2: SpO2 88 % is below 90 %', period: { start: '2026-03-02T08:00:00.000Z' }, recorded: '2026-03-02T08:00:02.000Z' });
    expect(JSON.stringify(decision.entity)).toContain(`urn:uuid:${s.spo2.id}`);

    // date bounds AuditEvent.recorded: the next day (Oslo) holds only the late revision.
    const day = (await (await get(`/fhir/AuditEvent?patient=${patientId}&date=2026-03-03`, auditor, 'complaint 2026/118')).json()) as FhirBundle;
    expect(day.entry.map((e) => e.resource.recorded)).toEqual(['2026-03-03T12:00:00.000Z']);
    // Paged with _count, the next link carrying the search.
    const first = (await (await get(`/fhir/AuditEvent?patient=${patientId}&_count=2`, auditor, 'complaint 2026/118')).json()) as FhirBundle;
    const next = first.link!.find((l) => l.relation === 'next')!.url;
    const second = (await (await get(new URL(next).pathname + new URL(next).search, auditor, 'complaint 2026/118')).json()) as FhirBundle;
    expect(second.entry.map((e) => e.resource.id)).toEqual(events.slice(2, 4).map((e) => e.id));
  });

  it('gives a triage decision as a valid R4 Provenance naming its inputs, rule set version and hash and engine version', async () => {
    indexR4Definitions();
    const { patientId, ...s } = await onTimeline();
    const auditor = await issuer.token('auditor');
    const bundle = (await (await get(`/fhir/Provenance?target=RiskAssessment/${s.assessmentId}`, auditor, 'supervisory review 2026-4')).json()) as FhirBundle;
    valid(bundle);
    expect(bundle.entry).toHaveLength(1);
    const provenance = bundle.entry[0]!.resource;
    valid(provenance);
    expect(provenance).toMatchObject({
      target: [{ reference: `RiskAssessment/${s.assessmentId}` }],
      occurredDateTime: '2026-03-02T08:00:00.000Z',
      recorded: '2026-03-02T08:00:02.000Z',
      policy: ['https://varde.no/fhir/rule-set/copd-default/2#sha256:abc'],
      agent: [{ who: { identifier: { system: 'https://varde.no/fhir/triage-engine', value: '1.4.0' } } }],
      entity: [{ role: 'source', what: { identifier: { value: 'copd-default|2' } } }, { role: 'source', what: { identifier: { value: `urn:uuid:${s.spo2.id}` } } }],
    });
    // Every decision of the patient, and the read logged against the patient with the reason.
    const all = (await (await get(`/fhir/Provenance?patient=Patient/${patientId}`, auditor, 'supervisory review 2026-4')).json()) as FhirBundle;
    expect(all.entry).toHaveLength(2);
    expect((await accessLogOf(patientId)).map((e) => [e.purpose, e.resource])).toEqual([
      ['audit: supervisory review 2026-4', `Provenance?target=RiskAssessment/${s.assessmentId}`],
      ['audit: supervisory review 2026-4', `Provenance?patient=${patientId}`],
    ]);
    expect((await get(`/fhir/Provenance?target=RiskAssessment/${randomUUID()}`, auditor, 'supervisory review 2026-4')).status).toBe(404);
  });

  it('exports the whole patient as one valid R4 collection Bundle', async () => {
    indexR4Definitions();
    const { patientId, ...s } = await onTimeline();
    const response = await get(`/api/audit/patients/${patientId}/export`, await issuer.token('auditor'), 'archive for the supervisory authority');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    const bundle = (await response.json()) as FhirBundle;
    valid(bundle);
    expect(bundle.type).toBe('collection');
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'AuditEvent')).toHaveLength(s.messages.length);
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'Provenance').map((e) => e.resource.id).sort()).toHaveLength(2);
    for (const entry of bundle.entry) valid(entry.resource);
  });

  it('answers refusals and bad input as OperationOutcomes', async () => {
    const { patientId } = await onTimeline();
    const clinician = await get(`/fhir/AuditEvent?patient=${patientId}`, await issuer.token('clinician'), 'curious');
    expect(clinician.status).toBe(403);
    expect(((await clinician.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const auditor = await issuer.token('auditor');
    const noReason = await get(`/fhir/AuditEvent?patient=${patientId}`, auditor);
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(await noReason.json())).toContain('audit-reason');
    expect((await get(`/fhir/AuditEvent?patient=${patientId}&date=xx2026`, auditor, 'complaint 2026/117')).status).toBe(400);
    expect((await get(`/fhir/AuditEvent?subject=${patientId}`, auditor, 'complaint 2026/117')).status).toBe(400);
    expect(await accessLogOf(patientId)).toEqual([]);
  });
});

describe('the strategy figures from the events (GET /api/figures)', () => {
  it('computes each figure for a period and pathway, as JSON and CSV, with its definition', async () => {
    const [p1, p2, p3] = [randomUUID(), randomUUID(), randomUUID()];
    const pathwayId = `fig-${randomUUID().slice(0, 8)}`;
    const t = (iso: string) => ({ effective: iso, recorded: iso });
    const system = { subject: 'varde-triage', role: 'system' };
    const enrolled = (patientId: string, enrolmentId: string, at: string, admission: number) =>
      published('varde.pathways.v1.PatientEnrolled', patientId, t(at), pathwaysV1Events.PatientEnrolled.fromPartial({ patientId, enrolmentId, pathwayId, pathwayVersion: 1, enrolledAt: new Date(at), careTeamId: 'team', admission }));
    const contact = (patientId: string, at: string, driver: pathwaysV1Events.ContactDriver, minutes: number) =>
      published('varde.pathways.v1.ContactRecorded', patientId, t(at), pathwaysV1Events.ContactRecorded.fromPartial({ patientId, contactId: randomUUID(), pathwayId, driver, mode: pathwaysV1Events.ContactMode.CONTACT_MODE_PHONE, startedAt: new Date(at), durationMinutes: minutes }));
    const prem = (patientId: string, at: string, value: number) =>
      published('varde.forms.v1.QuestionnaireResponseSubmitted', patientId, t(at), formsV1Events.QuestionnaireResponseSubmitted.fromPartial({ responseId: randomUUID(), patientId, questionnaireUrl: 'https://varde.no/fhir/Questionnaire/dho-prem', questionnaireVersion: '1', status: 'completed', scores: [{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'PREM-TOTAL', display: '' }, value }] }));
    const alertId = randomUUID();
    const raised = (colour: commonV1.Colour, at: string) => published('varde.triage.v1.AlertRaised', p1, t(at), triageV1Events.AlertRaised.fromPartial({ alertId, patientId: p1, pathwayId, colour, raisedAt: new Date(at) }), system);
    await bus.publish([
      enrolled(p1, 'en-1', '2031-01-05T09:00:00.000Z', 1),
      contact(p1, '2031-01-06T09:00:00.000Z', pathwaysV1Events.ContactDriver.CONTACT_DRIVER_NEED, 30),
      contact(p1, '2031-01-07T09:00:00.000Z', pathwaysV1Events.ContactDriver.CONTACT_DRIVER_CALENDAR, 20),
      raised(commonV1.Colour.COLOUR_RED, '2031-01-08T09:00:00.000Z'),
      raised(commonV1.Colour.COLOUR_RED, '2031-01-08T10:00:00.000Z'),
      published('varde.sharing.v1.ConsentChanged', p1, t('2031-01-05T10:00:00.000Z'), sharingV1Events.ConsentChanged.fromPartial({
        consentId: randomUUID(), patientId: p1, version: 1, state: sharingV1Events.ConsentState.CONSENT_STATE_ACTIVE, provision: sharingV1Events.ConsentProvision.CONSENT_PROVISION_PERMIT,
        parties: [{ kind: sharingV1Events.ConsentPartyKind.CONSENT_PARTY_KIND_MUNICIPALITY, system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '974589095', display: 'Hjemmetjenesten' }],
      })),
      prem(p1, '2031-01-25T09:00:00.000Z', 80),
      published('varde.sharing.v1.AccessLogged', p1, t('2031-01-09T09:00:00.000Z'), sharingV1Events.AccessLogged.fromPartial({ entryId: randomUUID(), patientId: p1, actor: { subject: 'kommune-1', role: 'system', organisation: '974589095', onBehalfOf: '', hprNumber: '' }, purpose: 'home care', resource: 'Observation' })),
      published('varde.measurements.v1.MeasurementRecorded', p1, t('2031-01-09T08:00:00.000Z'), measurementsV1Events.MeasurementRecorded.fromPartial({ measurementId: randomUUID(), patientId: p1, value: 95, unit: '%' }), { subject: 'gateway-1', role: 'system' }),
      enrolled(p2, 'en-2', '2031-01-10T09:00:00.000Z', 2),
      contact(p2, '2031-01-11T09:00:00.000Z', pathwaysV1Events.ContactDriver.CONTACT_DRIVER_NEED, 10),
      prem(p2, '2031-01-12T09:00:00.000Z', 60),
      published('varde.pathways.v1.PatientDischarged', p2, t('2031-01-20T09:00:00.000Z'), pathwaysV1Events.PatientDischarged.fromPartial({ patientId: p2, enrolmentId: 'en-2', pathwayId, reason: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_READMITTED })),
      // Discharged before the period: not counted.
      enrolled(p3, 'en-3', '2030-06-01T09:00:00.000Z', 1),
      published('varde.pathways.v1.PatientDischarged', p3, t('2030-12-01T09:00:00.000Z'), pathwaysV1Events.PatientDischarged.fromPartial({ patientId: p3, enrolmentId: 'en-3', pathwayId, reason: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_COMPLETED })),
    ]);
    await projected(p1, 9);
    await projected(p2, 4);
    await projected(p3, 2);
    const auditor = await issuer.token('auditor');
    const period = `from=2031-01-01T00:00:00Z&to=2031-02-01T00:00:00Z&pathway=${pathwayId}`;
    const response = await get(`/api/figures?${period}`, auditor);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { figures: { name: string; definition: string; values: { group: string; value: number | null }[] }[] };
    const figure = (name: string) => Object.fromEntries(body.figures.find((f) => f.name === name)!.values.map((v) => [v.group, v.value]));
    expect(figure('enrolled-patients')).toEqual({ [pathwayId]: 2 });
    expect(figure('enrolled-patients-share')).toEqual({ [pathwayId]: 1 });
    expect(figure('contacts')).toEqual({ need: 2, calendar: 1 });
    expect(figure('contacts-share')).toEqual({ need: 0.667, calendar: 0.333 });
    expect(figure('enrolments-shared-with-municipality')).toEqual({ all: 1 });
    expect(figure('readmissions')).toEqual({ 'enrolled-again': 1, 'discharged-readmitted': 1 });
    expect(figure('contact-minutes-per-patient')).toEqual({ all: 30 });
    expect(figure('prem-mean-score')).toEqual({ 'PREM-TOTAL': 70 });
    expect(figure('alerts-raised-by-rules')).toEqual({ red: 1 });
    expect(figure('shared-data-look-ups')).toEqual({ all: 1 });
    expect(figure('measurements-received-from-other-parties')).toEqual({ all: 1 });
    expect(body.figures.every((f) => f.definition.length > 40)).toBe(true);

    const csv = await get(`/api/figures?${period}&format=csv`, auditor);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('figure,group,value,definition');
    expect(lines).toContainEqual(expect.stringMatching(/^contacts,need,2,/));
    // An earlier period is recomputed from the same events: only p3 then.
    const before = (await (await get(`/api/figures?from=2030-07-01T00:00:00Z&to=2030-08-01T00:00:00Z&pathway=${pathwayId}`, auditor)).json()) as typeof body;
    expect(before.figures.find((f) => f.name === 'enrolled-patients')!.values).toEqual([{ group: pathwayId, value: 1 }]);
    expect((await get(`/api/figures?${period}`, await issuer.token('clinician'))).status).toBe(403);
    expect((await get(`/api/figures?to=2031-02-01T00:00:00Z`, auditor)).status).toBe(400);
  });
});

describe('bad input and refusals', () => {
  it('answers 404 for a patient no event names, and logs nothing', async () => {
    const patientId = randomUUID();
    const response = await get(`/api/audit/patients/${patientId}/timeline`, await issuer.token('auditor'), 'complaint 2026/117');
    expect(response.status).toBe(404);
    expect(await accessLogOf(patientId)).toEqual([]);
  });

  it('refuses an auditor without a reason (400 naming the header) and an instant in the future; logs nothing', async () => {
    const { patientId } = await onTimeline();
    const auditor = await issuer.token('auditor');
    const noReason = await get(`/api/audit/patients/${patientId}/timeline`, auditor);
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(await noReason.json())).toContain('audit-reason');
    expect((await get(`/api/audit/patients/${patientId}/timeline`, auditor, '  ')).status).toBe(400);
    const future = await get(`/api/audit/patients/${patientId}/state?at=${new Date(Date.now() + 86_400_000).toISOString()}`, auditor, 'complaint 2026/117');
    expect(future.status).toBe(400);
    expect(JSON.stringify(await future.json())).toContain('in the future');
    expect((await get(`/api/audit/patients/${patientId}/state?at=yesterday`, auditor, 'complaint 2026/117')).status).toBe(400);
    expect(await accessLogOf(patientId)).toEqual([]);
  });

  it('refuses a clinician and a patient (403) and logs the refusal', async () => {
    const patientId = randomUUID();
    await bus.publish(story(patientId).messages);
    const clinician = await get(`/api/audit/patients/${patientId}/timeline`, await issuer.token('clinician', { subject: 'curious-clinician' }), 'just looking');
    expect(clinician.status).toBe(403);
    const patient = await get(`/api/audit/patients/${patientId}/state`, await issuer.token('patient', { patientId }), 'my own');
    expect(patient.status).toBe(403);
    await eventually(async () => (sharing.logs().includes('curious-clinician') && sharing.logs().includes('audit API refused') ? true : undefined), 'the refusal in the service log');
    expect(await accessLogOf(patientId)).toEqual([]);
  });
});
