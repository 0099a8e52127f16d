import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { integrationEventTypes, pathwaysV1Events, pathwaysV1Service, type IntegrationEventType } from '@varde/contracts';
import { NotFoundError } from '@varde/core';
import { PostgresMessageBus } from '@varde/messaging';
import { callGrpc } from '@varde/platform';
import { eventually, syntheticNationalId } from '@varde/testing';
import { startPathways, type PathwaysUnderTest } from './pathways-under-test';

const databaseUrl = inject('databaseUrl');
const TEAM = 'copd-care-team';
const OTHER_TEAM = 'hjertesvikt-ous';

type View = { patientId: string; enrolmentId: string; status: string; careTeamId: string; pathwayId: string; admission: number; version: number; pause?: { reason: string; until?: string }; discharge?: { reason: string } };
type Problem = { detail: string; errors?: Array<{ field: string; message: string }>; current?: View };

describe('enrolment lifecycle (pathways service)', () => {
  let t: PathwaysUnderTest;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways_lifecycle');
  });
  afterAll(async () => {
    await t?.stop();
  });

  const clinician = (teams = [TEAM]) => t.issuer.token('clinician', { careTeams: teams });
  const post = async (path: string, body: unknown, token: string, headers: Record<string, string> = {}) =>
    fetch(`${t.pathways.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });
  const enrol = async (nationalId: string, token?: string) => {
    const response = await post('/api/enrolments', { patient: { nationalId }, pathway: 'copd' }, token ?? (await clinician()));
    return { status: response.status, body: (await response.json()) as { patientId: string; enrolmentId: string; admission: number } };
  };
  const change = async (patientId: string, command: string, body: unknown, token?: string, headers?: Record<string, string>) => {
    const response = await post(`/api/enrolments/${patientId}/${command}`, body, token ?? (await clinician()), headers);
    return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as View & Problem };
  };
  const view = async (patientId: string): Promise<View> => (await (await fetch(`${t.pathways.url}/api/enrolments/${patientId}`, { headers: { authorization: `Bearer ${await clinician([TEAM, OTHER_TEAM])}` } })).json()) as View;
  const eventsOf = async (patientId: string): Promise<number> => Number((await t.db.query(`SELECT count(*) FROM ${t.schema}.emt_messages WHERE stream_id = $1`, [`enrolment-${patientId}`])).rows[0].count);
  const active = async (patientId: string) => callGrpc(t.grpc.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService').getActiveEnrolment({ patientId }, await t.issuer.credentials.metadata('pathways')), 'GetActiveEnrolment');

  it('follows a whole course: pause, resume, move team, discharge, enrol again (a readmission); each published as an integration event', async () => {
    const nationalId = syntheticNationalId();
    const { body: first } = await enrol(nationalId);
    const { patientId } = first;
    expect(first.admission).toBe(1);

    const until = '2027-01-15T00:00:00+01:00';
    const paused = await change(patientId, 'pause', { reason: 'admitted to hospital', until });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', pause: { reason: 'admitted to hospital', until: '2027-01-14T23:00:00.000Z' } });
    // Other services see the patient as paused, still enrolled.
    expect((await active(patientId)).enrolment).toMatchObject({ paused: true, careTeamId: TEAM });

    expect((await change(patientId, 'resume', {})).body.status).toBe('active');
    expect((await active(patientId)).enrolment?.paused).toBe(false);

    const moved = await change(patientId, 'change-care-team', { careTeam: OTHER_TEAM });
    expect(moved.body).toMatchObject({ status: 'active', careTeamId: OTHER_TEAM });
    // Now only the new team's clinicians may change the enrolment.
    expect((await change(patientId, 'pause', { reason: 'holiday' }, await clinician([TEAM]))).status).toBe(403);

    const discharged = await change(patientId, 'discharge', { reason: 'transferred-to-municipality' }, await clinician([OTHER_TEAM]));
    expect(discharged.body).toMatchObject({ status: 'discharged', discharge: { reason: 'transferred-to-municipality' } });
    await expect(active(patientId)).rejects.toBeInstanceOf(NotFoundError);

    // Readmitted later: a new enrolment, counted.
    const again = await enrol(nationalId);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ patientId, admission: 2 });
    expect(again.body.enrolmentId).not.toBe(first.enrolmentId);
    expect(await view(patientId)).toMatchObject({ status: 'active', admission: 2, careTeamId: TEAM });

    const bus = new PostgresMessageBus({ databaseUrl });
    try {
      const published = await eventually(async () => {
        const mine = (await bus.readAll('varde.pathways.v1')).filter((m) => m.key === patientId);
        return mine.length === 6 ? mine : undefined;
      }, 'six integration events for the patient');
      expect(published.map((m) => m.type)).toEqual([
        'varde.pathways.v1.PatientEnrolled',
        'varde.pathways.v1.EnrolmentPaused',
        'varde.pathways.v1.EnrolmentResumed',
        'varde.pathways.v1.CareTeamChanged',
        'varde.pathways.v1.PatientDischarged',
        'varde.pathways.v1.PatientEnrolled',
      ]);
      const decode = <K extends IntegrationEventType>(type: K, index: number) => integrationEventTypes[type].decode(published[index]!.payload);
      expect(decode('varde.pathways.v1.EnrolmentPaused', 1)).toMatchObject({ reason: 'admitted to hospital', pausedUntil: new Date('2027-01-14T23:00:00.000Z') });
      expect(decode('varde.pathways.v1.CareTeamChanged', 3)).toMatchObject({ previousCareTeamId: TEAM, careTeamId: OTHER_TEAM });
      expect(decode('varde.pathways.v1.PatientDischarged', 4)).toMatchObject({ reason: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_TRANSFERRED_TO_MUNICIPALITY, careTeamId: OTHER_TEAM });
      expect(decode('varde.pathways.v1.PatientEnrolled', 5)).toMatchObject({ admission: 2 });
    } finally {
      await bus.close();
    }
  });

  const enrolled = async (): Promise<string> => (await enrol(syntheticNationalId())).body.patientId;

  it('refuses what the state does not allow with a 409 naming the problem and carrying the current state, writing nothing', async () => {
    const patientId = await enrolled();
    const before = await eventsOf(patientId);
    const resume = await change(patientId, 'resume', {});
    expect(resume.status).toBe(409);
    expect(resume.body.detail).toContain('not paused');
    expect(resume.body.current).toMatchObject({ patientId, status: 'active', version: 1 });

    const sameTeam = await change(patientId, 'change-care-team', { careTeam: TEAM });
    expect(sameTeam.status).toBe(409);
    expect(sameTeam.body.detail).toContain('already with care team');
    const samePathway = await change(patientId, 'change-pathway', { pathway: 'copd' });
    expect(samePathway.status).toBe(409);
    expect(samePathway.body.detail).toContain('already on pathway "copd" version 1');
    expect(await eventsOf(patientId)).toBe(before);

    await change(patientId, 'discharge', { reason: 'deceased' });
    const pauseDischarged = await change(patientId, 'pause', { reason: 'holiday' });
    expect(pauseDischarged.status).toBe(409);
    expect(pauseDischarged.body.detail).toContain('discharged (deceased)');
    expect(pauseDischarged.body.current).toMatchObject({ status: 'discharged' });
    expect(await eventsOf(patientId)).toBe(before + 1);
  });

  it('lets one of two clinicians changing the same enrolment at once win; the other gets 409 with the current state', async () => {
    const patientId = await enrolled();
    const { version } = await view(patientId);
    const both = await clinician([TEAM, OTHER_TEAM]);
    const [a, b] = await Promise.all([
      change(patientId, 'change-care-team', { careTeam: OTHER_TEAM }, both, { 'if-match': `"${version}"` }),
      change(patientId, 'discharge', { reason: 'withdrew' }, both, { 'if-match': `"${version}"` }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
    expect(loser.body.current).toEqual(winner.body);
    expect(loser.etag).toBe(`"${version + 1}"`);
    expect(await eventsOf(patientId)).toBe(version + 1);

    // A change sent with a stale ETag is refused the same way.
    const stale = await change(patientId, 'pause', { reason: 'holiday' }, both, { 'if-match': `"${version}"` });
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toContain(`changed since version ${version}`);
  });

  it('lets only clinicians of the patient\'s care team change the enrolment', async () => {
    const patientId = await enrolled();
    const before = await eventsOf(patientId);
    const stranger = await change(patientId, 'discharge', { reason: 'completed' }, await clinician([OTHER_TEAM]));
    expect(stranger.status).toBe(403);
    // The policy's one answer for another team's patient: it names only the caller's own teams, never the patient's.
    expect(stranger.body.detail).toContain(`is not on one of your care teams (your care teams: ${OTHER_TEAM})`);
    expect(stranger.body.detail).not.toContain(TEAM);
    expect((await change(patientId, 'discharge', { reason: 'completed' }, await t.issuer.token('patient', { patientId }))).status).toBe(403);
    expect((await change(patientId, 'discharge', { reason: 'completed' }, await t.issuer.token('pathway-designer'))).status).toBe(403);
    expect(await eventsOf(patientId)).toBe(before);
  });

  it.each([
    ['a pause without a reason', 'pause', {}, 'reason', 'required'],
    ['a pause ending in the past', 'pause', { reason: 'holiday', until: '2020-01-01T00:00:00Z' }, 'until', 'after now'],
    ['a pause end without a time zone', 'pause', { reason: 'holiday', until: '2027-01-01T00:00:00' }, 'until', 'time zone'],
    ['an unknown discharge reason', 'discharge', { reason: 'bored' }, 'reason', 'expected one of completed, readmitted, transferred-to-municipality, deceased, withdrew'],
    ['a care team id that is not one', 'change-care-team', { careTeam: 'Hjerte OUS' }, 'careTeam', 'care team id'],
    ['an unknown pathway', 'change-pathway', { pathway: 'diabetes' }, 'pathway', 'unknown pathway'],
    ['an unknown field', 'resume', { now: true }, 'body', 'unknown field'],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_case, command, body, field, message) => {
    const patientId = await enrolled();
    const before = await eventsOf(patientId);
    const response = await change(patientId, command, body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual({ field, message: expect.stringContaining(message) });
    expect(await eventsOf(patientId)).toBe(before);
  });

  it('records need-driven and calendar-driven contacts with their duration, published as ContactRecorded; refuses a need-driven one without its prompt', async () => {
    const patientId = await enrolled();
    const startedAt = new Date(Date.now() - 30 * 60_000).toISOString();
    const need = await change(patientId, 'contacts', { driver: 'need', mode: 'phone', startedAt, durationMinutes: 12, alertId: 'alert-42' });
    expect(need.status).toBe(201);
    expect(need.body).toMatchObject({ driver: 'need', mode: 'phone', durationMinutes: 12, alertId: 'alert-42', careTeamId: TEAM });
    expect((await change(patientId, 'contacts', { driver: 'calendar', mode: 'video', startedAt, durationMinutes: 30 })).status).toBe(201);
    const unprompted = await change(patientId, 'contacts', { driver: 'need', mode: 'visit', startedAt, durationMinutes: 0 });
    expect(unprompted.status).toBe(400);
    expect(unprompted.body.errors?.map((e) => e.field).sort()).toEqual(['driver', 'durationMinutes']);
    expect((await change(patientId, 'contacts', { driver: 'calendar', mode: 'video', startedAt, durationMinutes: 30 }, await clinician([OTHER_TEAM]))).status).toBe(403);

    const bus = new PostgresMessageBus({ databaseUrl });
    try {
      const contacts = await eventually(async () => {
        const found = (await bus.readAll('varde.pathways.v1')).filter((m) => m.key === patientId && m.type === 'varde.pathways.v1.ContactRecorded');
        return found.length === 2 ? found : undefined;
      }, 'two ContactRecorded');
      expect(contacts.map((m) => integrationEventTypes['varde.pathways.v1.ContactRecorded'].decode(m.payload)).map((c) => [c.driver, c.durationMinutes, c.alertId])).toEqual([
        [pathwaysV1Events.ContactDriver.CONTACT_DRIVER_NEED, 12, 'alert-42'],
        [pathwaysV1Events.ContactDriver.CONTACT_DRIVER_CALENDAR, 30, ''],
      ]);
    } finally {
      await bus.close();
    }
  });

  it('answers a clinician 403 for a patient who was never enrolled (as for another team\'s), and 400 for a malformed id or ETag', async () => {
    // Never enrolled and enrolled with another team look the same: a change tells no clinician whether a person is followed up.
    const unknown = await change('00000000-0000-4000-8000-000000000000', 'pause', { reason: 'x' });
    expect(unknown.status).toBe(403);
    expect(unknown.body.detail).toContain('is not on one of your care teams');
    expect((await change('not-a-patient', 'pause', { reason: 'x' })).status).toBe(400);
    const patientId = await enrolled();
    const badEtag = await change(patientId, 'pause', { reason: 'x' }, undefined, { 'if-match': 'yesterday' });
    expect(badEtag.status).toBe(400);
    expect(badEtag.body.errors).toContainEqual({ field: 'If-Match', message: expect.stringContaining('ETag') });
  });
});
