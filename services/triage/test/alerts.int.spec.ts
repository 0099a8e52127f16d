import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { integrationEventTypes } from '@varde/contracts';
import { schemaConnectionString } from '@varde/database';
import { PostgresMessageBus } from '@varde/messaging';
import { enrolPatient, eventually, type ServiceProcess, startServiceStack, startTestIssuer, type TestIssuer, auditReasonFor } from '@varde/testing';
import pg from 'pg';
import { catSubmitted, spo2Recorded } from './triage-messages';

const databaseUrl = inject('databaseUrl');

type Alert = {
  id: string;
  patientId: string;
  colour: string;
  status: string;
  reasons: string[];
  ageSeconds: number;
  assignee: string | null;
  outcome: string | null;
  escalationLevel: number;
  escalatedTo: string | null;
  history: { type: string; data: Record<string, unknown>; actor: { subject: string; role: string } }[];
};
type WorklistEntry = { patientId: string; colour: string; openAlert: { id: string; colour: string; status: string; ageSeconds: number; assignee?: string } | null };

describe('alerts (real pathways, sharing and triage processes on the embedded bus; red limit 1 s)', () => {
  let issuer: TestIssuer;
  let pathways: ServiceProcess;
  let sharing: ServiceProcess;
  let triage: ServiceProcess;
  let bus: PostgresMessageBus;
  let triageDb: pg.Pool;
  let clinician: string;
  const startedAt = new Date();

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const stack = await startServiceStack(
      ['pathways', 'sharing', 'triage'],
      { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url },
      { triage: { TRIAGE_RED_ACK_LIMIT_SECONDS: '1', TRIAGE_ESCALATION_INTERVAL_MS: '200', TRIAGE_ESCALATION_CHAIN: 'team-a,team-b,on-call' } },
    );
    ({ pathways, sharing, triage } = stack.services as Record<'pathways' | 'sharing' | 'triage', ServiceProcess>);
    const triageSchema = stack.schemas.triage!;
    bus = new PostgresMessageBus({ databaseUrl, schema: stack.busSchema });
    triageDb = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, triageSchema), max: 2 });
    clinician = await issuer.token('clinician');
  });

  afterAll(async () => {
    await Promise.allSettled([triage?.stop(), sharing?.stop(), pathways?.stop()]);
    await Promise.allSettled([bus?.close(), triageDb?.end(), issuer?.close()]);
  });

  const call = (method: string, path: string, body?: unknown, token = clinician): Promise<Response> =>
    fetch(`${triage.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...auditReasonFor(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const alertsOf = async (patientId: string): Promise<Alert[]> => {
    const response = await call('GET', `/api/alerts?patient=${patientId}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { alerts: Alert[] }).alerts;
  };
  const alertOf = async (patientId: string): Promise<Alert> => eventually(async () => (await alertsOf(patientId))[0], `an alert for ${patientId}`);
  const alert = async (id: string): Promise<Alert> => (await (await call('GET', `/api/alerts/${id}`)).json()) as Alert;
  const eventsOf = async (alertId: string): Promise<string[]> =>
    (await triageDb.query<{ message_type: string }>('SELECT message_type FROM emt_messages WHERE stream_id = $1 ORDER BY stream_position', [`alert-${alertId}`])).rows.map((r) => r.message_type);
  const redPatient = async (): Promise<{ patientId: string; alert: Alert }> => {
    const patientId = await enrolPatient(pathways.url, clinician);
    await bus.publish([spo2Recorded(patientId, 88, new Date(Date.now() - 60_000))]);
    return { patientId, alert: await alertOf(patientId) };
  };

  it('raises a red alert on SpO2 88, shown on GET /api/alerts and on the worklist entry', async () => {
    const { patientId, alert: raised } = await redPatient();
    expect(raised).toMatchObject({ patientId, colour: 'red', reasons: ['SpO2 88 % is below 90 %'] });
    expect(['open', 'acknowledged']).toContain(raised.status);
    const detail = await alert(raised.id);
    expect(detail.history[0]).toMatchObject({ type: 'AlertRaised', actor: { role: 'system' } });
    const entry = await eventually(async () => {
      const response = await call('GET', '/api/worklist?colour=red&limit=1000');
      return ((await response.json()) as { entries: WorklistEntry[] }).entries.find((e) => e.patientId === patientId);
    }, 'the red patient on the worklist');
    expect(entry.openAlert).toMatchObject({ id: raised.id, colour: 'red', status: 'open' });
    expect(entry.openAlert!.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it('tells a listening clinician over GET /api/worklist/events that the worklist changed, without patient data', async () => {
    const controller = new AbortController();
    const response = await fetch(`${triage.url}/api/worklist/events`, { headers: { authorization: `Bearer ${clinician}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let received = '';
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })().catch(() => undefined);
    const enrolled: string[] = [];
    try {
      // The feed reports changes made after it started: enrol patients (a new worklist row each, no alert) until one is reported.
      await eventually(async () => {
        enrolled.push(await enrolPatient(pathways.url, clinician));
        return received.includes('event: worklist-changed') ? true : undefined;
      }, 'a worklist-changed event', 30_000, 1_000);
      for (const patientId of enrolled) expect(received).not.toContain(patientId);
    } finally {
      controller.abort();
    }
  });

  it('shows and lets act on an alert only the clinicians of the patient\'s care team (and auditors to read)', async () => {
    const { alert: raised } = await redPatient();
    const otherTeam = await issuer.token('clinician', { careTeams: ['hjertesvikt-team'] });
    const listed = (await (await call('GET', '/api/alerts?limit=1000', undefined, otherTeam)).json()) as { alerts: Alert[] };
    expect(listed.alerts.map((a) => a.id)).not.toContain(raised.id);
    expect((await call('GET', `/api/alerts/${raised.id}`, undefined, otherTeam)).status).toBe(403);
    // The escalation job escalates this unacknowledged red alert on its own clock (a 1 s limit here): the refusals
    // are checked against what a clinician's act writes, not against the system's escalations.
    const actedOn = async () => (await eventsOf(raised.id)).filter((type) => type !== 'AlertEscalated');
    const before = await actedOn();
    expect((await call('POST', `/api/alerts/${raised.id}/acknowledge`, undefined, otherTeam)).status).toBe(403);
    expect((await call('POST', `/api/alerts/${raised.id}/resolve`, { outcome: 'no-action' }, otherTeam)).status).toBe(403);
    expect(await actedOn()).toEqual(before);
    expect((await call('GET', `/api/alerts/${raised.id}`, undefined, await issuer.token('auditor'))).status).toBe(200);
    const own = (await (await call('GET', '/api/alerts?limit=1000')).json()) as { alerts: Alert[] };
    expect(own.alerts.map((a) => a.id)).toContain(raised.id);
  });

  it('keeps one alert per patient: a yellow alert becomes red when the patient turns red', async () => {
    const patientId = await enrolPatient(pathways.url, clinician);
    await bus.publish([catSubmitted(patientId, 23)]);
    const yellow = await alertOf(patientId);
    expect(yellow).toMatchObject({ colour: 'yellow', reasons: [expect.stringMatching(/CAT score 23/)] });
    await bus.publish([spo2Recorded(patientId, 87, new Date())]);
    const red = await eventually(async () => {
      const alerts = await alertsOf(patientId);
      return alerts[0]?.colour === 'red' ? alerts : undefined;
    }, 'the alert to turn red');
    expect(red).toHaveLength(1);
    expect(red[0]!.id).toBe(yellow.id);
  });

  it('is acknowledged, assigned, commented and resolved, each step with its actor; refusals write nothing', async () => {
    const { alert: raised } = await redPatient();
    const id = raised.id;
    const acknowledged = await call('POST', `/api/alerts/${id}/acknowledge`);
    expect(acknowledged.status).toBe(200);
    expect(await acknowledged.json()).toMatchObject({ status: 'acknowledged' });
    expect((await call('POST', `/api/alerts/${id}/assign`, { assignee: 'dr-berg' })).status).toBe(200);
    const mine = (await (await call('GET', '/api/worklist?assignee=dr-berg&pathway=copd')).json()) as { entries: WorklistEntry[] };
    expect(mine.entries.map((e) => e.patientId)).toEqual([raised.patientId]);
    expect(mine.entries[0]?.openAlert).toMatchObject({ id, status: 'acknowledged', assignee: 'dr-berg' });
    expect((await call('GET', '/api/worklist?pathway=COPD!')).status).toBe(400);
    expect((await call('POST', `/api/alerts/${id}/comments`, { text: 'Called the patient, short of breath' })).status).toBe(201);

    const before = await eventsOf(id);
    for (const [body, message] of [[{}, /outcome/], [{ outcome: 'sent-flowers' }, /outcome/]] as const) {
      const refused = await call('POST', `/api/alerts/${id}/resolve`, body);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(await refused.json())).toMatch(message);
    }
    expect((await call('POST', `/api/alerts/${id}/assign`, {})).status).toBe(400);
    expect((await call('POST', `/api/alerts/${id}/comments`, { text: ' ' })).status).toBe(400);
    expect(await eventsOf(id)).toEqual(before);

    const resolved = await call('POST', `/api/alerts/${id}/resolve`, { outcome: 'booked-visit', note: 'Seen tomorrow 09:00' });
    expect(resolved.status).toBe(200);
    const body = (await resolved.json()) as Alert;
    expect(body).toMatchObject({ status: 'resolved', outcome: 'booked-visit', assignee: 'dr-berg' });
    const steps = body.history.map((h) => h.type);
    expect(steps).toEqual(expect.arrayContaining(['AlertRaised', 'AlertAcknowledged', 'AlertAssigned', 'AlertCommented', 'AlertResolved']));
    expect(body.history.find((h) => h.type === 'AlertResolved')?.actor).toMatchObject({ role: 'clinician' });

    const done = await eventsOf(id);
    for (const [path, payload] of [['acknowledge', undefined], ['comments', { text: 'late note' }], ['resolve', { outcome: 'no-action' }]] as const) {
      const refused = await call('POST', `/api/alerts/${id}/${path}`, payload);
      expect(refused.status).toBe(409);
      expect(JSON.stringify(await refused.json())).toContain('already resolved');
    }
    expect(await eventsOf(id)).toEqual(done);
    expect((await alertsOf(raised.patientId))[0]).toMatchObject({ status: 'resolved' });

    // The assignment is published for the auditor's timeline (who held the alert), by whom, in the lifecycle's order.
    const lifecycle = await eventually(async () => {
      // Escalations of the still unacknowledged alert may come in between on a slow machine: not what is checked here.
      const ours = (await bus.readAll('varde.triage.v1')).filter((m) => m.key === raised.patientId && m.type.startsWith('varde.triage.v1.Alert') && m.type !== 'varde.triage.v1.AlertEscalated');
      return ours.some((m) => m.type === 'varde.triage.v1.AlertResolved') ? ours : undefined;
    }, 'the alert lifecycle on the bus');
    expect(lifecycle.map((m) => m.type)).toEqual(['varde.triage.v1.AlertRaised', 'varde.triage.v1.AlertAcknowledged', 'varde.triage.v1.AlertAssigned', 'varde.triage.v1.AlertResolved']);
    const assigned = lifecycle.find((m) => m.type === 'varde.triage.v1.AlertAssigned')!;
    expect(integrationEventTypes['varde.triage.v1.AlertAssigned'].decode(assigned.payload)).toMatchObject({ alertId: id, patientId: raised.patientId, assignee: 'dr-berg', assignedBy: body.history.find((h) => h.type === 'AlertAssigned')!.actor.subject });
  });

  it('escalates an unacknowledged red alert along the chain each limit period until acknowledged', async () => {
    const { alert: raised } = await redPatient();
    const escalated = await eventually(async () => {
      const a = await alert(raised.id);
      return a.escalationLevel >= 2 ? a : undefined;
    }, 'two escalations', 20_000);
    const steps = escalated.history.filter((h) => h.type === 'AlertEscalated').map((h) => h.data);
    expect(steps.slice(0, 2)).toMatchObject([{ level: 1, target: 'team-a' }, { level: 2, target: 'team-b' }]);
    expect(escalated.history.find((h) => h.type === 'AlertEscalated')?.actor).toMatchObject({ subject: 'varde-triage-escalation', role: 'system' });

    expect((await call('POST', `/api/alerts/${raised.id}/acknowledge`)).status).toBe(200);
    const atAcknowledgement = (await eventsOf(raised.id)).filter((t) => t === 'AlertEscalated').length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await eventsOf(raised.id)).filter((t) => t === 'AlertEscalated').length).toBe(atAcknowledgement);
    // Each level written once, whatever the scheduler's timing.
    const levels = (await alert(raised.id)).history.filter((h) => h.type === 'AlertEscalated').map((h) => h.data['level']);
    expect(levels).toEqual(levels.map((_, i) => i + 1));
  });

  it('publishes the alert lifecycle on varde.triage.v1', async () => {
    const { patientId, alert: raised } = await redPatient();
    await eventually(async () => ((await alert(raised.id)).escalationLevel >= 1 ? true : undefined), 'an escalation');
    await call('POST', `/api/alerts/${raised.id}/acknowledge`);
    await call('POST', `/api/alerts/${raised.id}/resolve`, { outcome: 'contacted-patient' });
    const messages = await eventually(async () => {
      const all = (await bus.readAll('varde.triage.v1')).filter((m) => m.key === patientId);
      return all.some((m) => m.type === 'varde.triage.v1.AlertResolved') ? all : undefined;
    }, 'the relay to publish the alert events');
    const types = messages.map((m) => m.type);
    expect(types).toEqual(expect.arrayContaining(['varde.triage.v1.AlertRaised', 'varde.triage.v1.AlertEscalated', 'varde.triage.v1.AlertAcknowledged', 'varde.triage.v1.AlertResolved']));
    const resolved = integrationEventTypes['varde.triage.v1.AlertResolved'].decode(messages.find((m) => m.type === 'varde.triage.v1.AlertResolved')!.payload);
    expect(resolved).toMatchObject({ alertId: raised.id, patientId, outcome: 1 });
  });

  it('answers 400 naming the parameter for bad alert list parameters, 404 for an unknown alert, 403 to a patient', async () => {
    for (const [path, field] of [
      ['/api/alerts?status=closed', 'status'],
      ['/api/alerts?patient=abc', 'patient'],
      ['/api/alerts?limit=0', 'limit'],
      ['/api/triage/figures?from=0000-01-01T00:00:00Z', 'from'],
      ['/api/triage/figures?from=0000-01-01', 'from'],
      ['/api/triage/figures?to=9999-12-31T23:59:59Z&from=0001-01-01T00:00:00Z', 'from'],
      ['/api/triage/figures?to=275760-09-13T00:00:00Z', 'to'],
    ] as const) {
      const response = await call('GET', path);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(await response.json())).toContain(field);
    }
    expect((await call('GET', '/api/alerts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('POST', '/api/alerts/00000000-0000-4000-8000-000000000000/acknowledge')).status).toBe(404);
    expect((await call('GET', '/api/alerts', undefined, await issuer.token('patient', { patientId: '00000000-0000-4000-8000-000000000000' }))).status).toBe(403);
    expect((await call('GET', '/api/alerts', undefined, await issuer.token('auditor'))).status).toBe(200);
    expect((await call('POST', '/api/alerts/00000000-0000-4000-8000-000000000000/acknowledge', undefined, await issuer.token('auditor'))).status).toBe(403);
  });

  it('gives the figures: alerts raised by the rules, times to acknowledge and resolve, colour share per pathway', async () => {
    const from = startedAt.toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const response = await call('GET', `/api/triage/figures?from=${from}&to=${to}&pathway=copd`);
    expect(response.status).toBe(200);
    const figures = (await response.json()) as {
      alertsRaisedByRules: { total: number; byColour: { yellow: number; red: number } };
      timeToAcknowledge: { count: number; medianSeconds: number; p90Seconds: number };
      timeToResolve: { count: number; medianSeconds: number; p90Seconds: number };
      colourShare: { pathwayId: string; patients: number; colours: Record<string, { count: number; share: number }> }[];
    };
    // This file raised 6 alerts (the yellow one turned red counts as raised yellow): 5 red, 1 yellow.
    expect(figures.alertsRaisedByRules).toEqual({ total: 6, byColour: { yellow: 1, red: 5 } });
    expect(figures.timeToAcknowledge.count).toBe(3);
    expect(figures.timeToAcknowledge.medianSeconds).toBeGreaterThan(0);
    expect(figures.timeToAcknowledge.p90Seconds).toBeGreaterThanOrEqual(figures.timeToAcknowledge.medianSeconds);
    expect(figures.timeToResolve.count).toBe(2);
    const copd = figures.colourShare.find((s) => s.pathwayId === 'copd')!;
    expect(copd.colours['red']!.count).toBeGreaterThanOrEqual(5);
    expect(copd.colours['red']!.count + copd.colours['yellow']!.count + copd.colours['green']!.count).toBe(copd.patients);

    for (const [query, field] of [['?from=yesterday', 'from'], [`?from=${to}&to=${from}`, 'from'], ['?pathway=COPD!', 'pathway']] as const) {
      const bad = await call('GET', `/api/triage/figures${query}`);
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain(field);
    }
    expect((await call('GET', '/api/triage/figures', undefined, await issuer.token('auditor'))).status).toBe(200);
  });
});
