import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { integrationEventTypes, pathwaysV1Service } from '@varde/contracts';
import { Metadata } from '@grpc/grpc-js';
import { NotFoundError, UnauthorizedError } from '@varde/core';
import { PostgresMessageBus } from '@varde/messaging';
import { callGrpc } from '@varde/platform';
import { eventually, optOutConsent, syntheticNationalId, type AccessLogView, auditReasonFor } from '@varde/testing';
import { loggedReads, startPathways, type PathwaysUnderTest } from './pathways-under-test';

const databaseUrl = inject('databaseUrl');

describe('pathways service', () => {
  let t: PathwaysUnderTest;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways');
  });
  afterAll(async () => {
    await t?.stop();
  });

  const enrol = async (body: unknown, token?: string, contentType = 'application/json') =>
    fetch(`${t.pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}), ...auditReasonFor(token) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const eventCount = async (): Promise<number> => Number((await t.db.query(`SELECT count(*) FROM ${t.schema}.emt_messages`)).rows[0].count);

  it('enrols a patient with a valid national identity number and maps it to an internal id', async () => {
    const nationalId = syntheticNationalId();
    const response = await enrol({ patient: { nationalId }, pathway: 'copd' }, await t.issuer.token('clinician'));
    expect(response.status).toBe(201);
    const body = (await response.json()) as { patientId: string; enrolmentId: string; careTeam: string };
    expect(body.patientId).toMatch(/^[0-9a-f-]{36}$/);
    // No team named: the pathway's default team.
    expect(body.careTeam).toBe('copd-care-team');
    expect(body.patientId).not.toContain(nationalId);

    // Enrolling the same person again changes nothing and returns the same ids.
    const again = await enrol({ patient: { nationalId }, pathway: 'copd' }, await t.issuer.token('clinician'));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(body);

    // gRPC answers which pathway and rule set the patient is on.
    const service = t.grpc.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
    const { enrolment } = await callGrpc(service.getActiveEnrolment({ patientId: body.patientId }, await t.issuer.credentials.metadata('pathways')), 'GetActiveEnrolment');
    expect(enrolment).toMatchObject({ patientId: body.patientId, enrolmentId: body.enrolmentId, pathwayId: 'copd', pathwayVersion: 1, careTeamId: 'copd-care-team' });
    // The rule set is named; its versions are triage's data (0: the latest published there).
    expect(enrolment!.ruleSet).toEqual({ id: 'copd-default', version: 0, contentHash: '', rules: [] });

    // PatientEnrolled reaches the bus, keyed by patient, without the national identity number anywhere.
    const bus = new PostgresMessageBus({ databaseUrl });
    try {
      const deadline = Date.now() + 15_000;
      let mine;
      while (!mine && Date.now() < deadline) {
        mine = (await bus.readAll('varde.pathways.v1')).find((m) => m.key === body.patientId);
        if (!mine) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(mine?.type).toBe('varde.pathways.v1.PatientEnrolled');
      const event = integrationEventTypes['varde.pathways.v1.PatientEnrolled'].decode(mine!.payload);
      expect(event).toMatchObject({ patientId: body.patientId, pathwayId: 'copd', ruleSetId: 'copd-default', careTeamId: 'copd-care-team' });
      expect(Buffer.from(mine!.payload).toString('latin1')).not.toContain(nationalId);
    } finally {
      await bus.close();
    }
  });

  it('accepts D-numbers', async () => {
    const response = await enrol({ patient: { nationalId: syntheticNationalId('d-number') }, pathway: 'copd' }, await t.issuer.token('clinician'));
    expect(response.status).toBe(201);
  });

  it('answers NOT_FOUND over gRPC for a patient who is not enrolled', async () => {
    const service = t.grpc.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
    await expect(callGrpc(service.getActiveEnrolment({ patientId: '00000000-0000-4000-8000-000000000000' }, await t.issuer.credentials.metadata('pathways')), 'GetActiveEnrolment')).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each([
    ['a wrong check digit', { patient: { nationalId: '15076500566' }, pathway: 'copd' }, 'patient.nationalId', 'check digits'],
    ['ten digits', { patient: { nationalId: '1507650056' }, pathway: 'copd' }, 'patient.nationalId', '11 digits'],
    ['a number instead of a string', { patient: { nationalId: 15076500565 }, pathway: 'copd' }, 'patient.nationalId', 'string'],
    ['no patient', { pathway: 'copd' }, 'patient', 'required'],
    ['an unknown pathway', { patient: { nationalId: '15076500565' }, pathway: 'diabetes' }, 'pathway', 'unknown pathway'],
    ['a care team id that is not one', { patient: { nationalId: '15076500565' }, pathway: 'copd', careTeam: 'Lunge AHUS' }, 'careTeam', 'care team id'],
    ['an unknown field', { patient: { nationalId: '15076500565' }, pathway: 'copd', name: 'Kari' }, 'body', 'unknown field'],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_case, body, field, message) => {
    const before = await eventCount();
    const response = await enrol(body, await t.issuer.token('clinician'));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors).toContainEqual({ field, message: expect.stringContaining(message) });
    expect(await eventCount()).toBe(before);
  });

  it("enrols into one of the clinician's care teams, whose clinicians alone then see the enrolment", async () => {
    const team = 'lungepoliklinikken-ahus';
    const ours = await t.issuer.token('clinician', { careTeams: ['copd-care-team', team] });
    const response = await enrol({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd', careTeam: team }, ours);
    expect(response.status).toBe(201);
    const { patientId, careTeam } = (await response.json()) as { patientId: string; careTeam: string };
    expect(careTeam).toBe(team);

    const service = t.grpc.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
    expect((await callGrpc(service.getActiveEnrolment({ patientId }, await t.issuer.credentials.metadata('pathways')), 'GetActiveEnrolment')).enrolment?.careTeamId).toBe(team);

    const read = async (token: string) => fetch(`${t.pathways.url}/api/enrolments/${patientId}`, { headers: { authorization: `Bearer ${token}`, ...auditReasonFor(token) } });
    expect(((await (await read(ours)).json()) as { careTeamId: string }).careTeamId).toBe(team);
    expect((await read(await t.issuer.token('auditor'))).status).toBe(200);
    // Both reads are in the patient's access log (pathways' outbox forwards them to sharing).
    const enrolmentReads = (entries: readonly AccessLogView[]) => entries.filter((e) => e.resource === `enrolments/${patientId}`);
    const logged = enrolmentReads(await loggedReads(t, patientId, (entries) => enrolmentReads(entries).length >= 2));
    expect(logged.map((e) => e.actor.role).sort()).toEqual(['auditor', 'clinician']);
    const stranger = await read(await t.issuer.token('clinician', { careTeams: ['hjertesvikt-ous'], subject: 'stranger-1' }));
    expect(stranger.status).toBe(403);
    expect(((await stranger.json()) as { detail: string }).detail).toContain('is not on one of your care teams');
    // The refusal is in the service's log: who was refused which patient's data, on which route, and why.
    const refused = await eventually(
      async () => t.pathways.logs().split('\n').find((line) => line.includes('"access refused"') && line.includes('"stranger-1"')),
      'the refusal in the service log',
    );
    expect(JSON.parse(refused)).toMatchObject({ level: expect.anything(), status: 403, method: 'GET', route: '/api/enrolments/:patientId', actor: { subject: 'stranger-1', role: 'clinician' }, patientId });
  });

  it("refuses (403) to enrol into a care team the clinician is not on, writing nothing, and (403) another team's patient", async () => {
    const nationalId = syntheticNationalId();
    const identities = async (): Promise<number> => Number((await t.db.query(`SELECT count(*) FROM ${t.schema}.patient_identities`)).rows[0].count);
    const [eventsBefore, identitiesBefore] = [await eventCount(), await identities()];
    const refused = await enrol({ patient: { nationalId }, pathway: 'copd', careTeam: 'hjertesvikt-ous' }, await t.issuer.token('clinician'));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toBe('care team hjertesvikt-ous is not one of yours (your care teams: copd-care-team)');
    expect(await eventCount()).toBe(eventsBefore);
    expect(await identities()).toBe(identitiesBefore);

    // The pathway's default team is refused the same way to a clinician who is not on it.
    expect((await enrol({ patient: { nationalId }, pathway: 'copd' }, await t.issuer.token('clinician', { careTeams: ['hjertesvikt-ous'] }))).status).toBe(403);
    expect(await eventCount()).toBe(eventsBefore);

    expect((await enrol({ patient: { nationalId }, pathway: 'copd' }, await t.issuer.token('clinician'))).status).toBe(201);
    const moved = await enrol({ patient: { nationalId }, pathway: 'copd', careTeam: 'hjertesvikt-ous' }, await t.issuer.token('clinician', { careTeams: ['hjertesvikt-ous'] }));
    // The policy decides for the person: they are on another team's enrolment, so the write is not theirs to make.
    expect(moved.status).toBe(403);
    expect(((await moved.json()) as { detail: string }).detail).toContain('is not on one of your care teams');
    expect(await identities()).toBe(identitiesBefore + 1);
  });

  it('refuses a clinician the patient has blocked (sperre) to enrol them again, as the policy decides, writing nothing', async () => {
    const nationalId = syntheticNationalId();
    const blocked = await t.issuer.token('clinician', { subject: 'dr-enrol-blocked', hprNumber: '8888888' });
    const first = await enrol({ patient: { nationalId }, pathway: 'copd' }, blocked);
    expect(first.status).toBe(201);
    const { patientId } = (await first.json()) as { patientId: string };
    const block = optOutConsent(patientId, { actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] }, reference: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '8888888' } } }] });
    const given = await fetch(`${t.sharing.url}/fhir/Consent`, { method: 'POST', headers: { authorization: `Bearer ${await t.issuer.token('patient', { patientId })}`, 'content-type': 'application/json' }, body: JSON.stringify(block) });
    expect(given.status).toBe(201);
    const before = await eventCount();
    const again = await eventually(async () => {
      const response = await enrol({ patient: { nationalId }, pathway: 'copd' }, blocked);
      return response.status === 403 ? response : undefined;
    }, 'the block to hold for the enrolment', 15_000);
    expect(((await again.json()) as { detail: string }).detail).toContain('blocked your access');
    expect(await eventCount()).toBe(before);
    expect((await enrol({ patient: { nationalId }, pathway: 'copd' }, await t.issuer.token('clinician'))).status).toBe(200);
  });

  it('answers a clinician of another team the same 403 whatever team the person is enrolled with, naming none', async () => {
    const [withCopdTeam, withAhus] = [syntheticNationalId(), syntheticNationalId()];
    expect((await enrol({ patient: { nationalId: withCopdTeam }, pathway: 'copd' }, await t.issuer.token('clinician'))).status).toBe(201);
    const ahus = await t.issuer.token('clinician', { careTeams: ['lungepoliklinikken-ahus'] });
    expect((await enrol({ patient: { nationalId: withAhus }, pathway: 'copd', careTeam: 'lungepoliklinikken-ahus' }, ahus)).status).toBe(201);
    const stranger = await t.issuer.token('clinician', { careTeams: ['hjertesvikt-ous'] });
    const answers = await Promise.all(
      [withCopdTeam, withAhus].map(async (nationalId) => {
        const response = await enrol({ patient: { nationalId }, pathway: 'copd', careTeam: 'hjertesvikt-ous' }, stranger);
        return { status: response.status, body: await response.text() };
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.status).toBe(403);
    for (const leak of ['copd-care-team', 'lungepoliklinikken-ahus', 'patientId', 'copd"']) expect(answers[0]!.body).not.toContain(leak);
  });

  it('logs the read when an enrolment that already exists is answered 200 with the patient id', async () => {
    const nationalId = syntheticNationalId();
    const clinician = await t.issuer.token('clinician', { subject: 'enrolling-twice' });
    const first = await enrol({ patient: { nationalId }, pathway: 'copd' }, clinician);
    expect(first.status).toBe(201);
    const { patientId } = (await first.json()) as { patientId: string };
    expect((await enrol({ patient: { nationalId }, pathway: 'copd' }, clinician)).status).toBe(200);
    const byThem = (entries: readonly AccessLogView[]) => entries.filter((e) => e.actor.subject === 'enrolling-twice');
    const logged = byThem(await loggedReads(t, patientId, (entries) => byThem(entries).length > 0));
    expect(logged.map((e) => e.purpose)).toEqual(['enrolment']);
  });

  it("answers GetActiveEnrolment only to a Varde service's credential: none, an end user's or another service's is UNAUTHENTICATED", async () => {
    const response = await enrol({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }, await t.issuer.token('clinician'));
    const { patientId } = (await response.json()) as { patientId: string };
    const service = t.grpc.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
    const withToken = async (token: string) => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return metadata;
    };
    for (const metadata of [new Metadata(), await withToken(await t.issuer.token('clinician', { careTeams: ['hjertesvikt-ous'] })), await withToken(await t.issuer.token('system', { audience: 'varde-sharing' }))]) {
      await expect(callGrpc(service.getActiveEnrolment({ patientId }, metadata), 'GetActiveEnrolment')).rejects.toBeInstanceOf(UnauthorizedError);
    }
    // Each refusal is in the service's log as an HTTP refusal is: the gRPC method, the status, the patient asked about, why.
    const refusals = await eventually(async () => {
      const lines = t.pathways.logs().split('\n').filter((line) => line.includes('"access refused"') && line.includes(patientId));
      return lines.length >= 3 ? lines.map((line) => JSON.parse(line) as Record<string, unknown>) : undefined;
    }, 'the three gRPC refusals in the service log');
    expect(refusals).toEqual(
      ['missing bearer token', 'does not include "varde-pathways"', 'does not include "varde-pathways"'].map((reason) =>
        expect.objectContaining({ status: 'UNAUTHENTICATED', method: 'gRPC', route: '/varde.pathways.v1.PathwaysService/GetActiveEnrolment', patientId, reason: expect.stringContaining(reason) }),
      ),
    );
    expect((await callGrpc(service.getActiveEnrolment({ patientId }, await t.issuer.credentials.metadata('pathways')), 'GetActiveEnrolment')).enrolment?.patientId).toBe(patientId);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses the pathway %s with a 400 naming pathway, writing nothing', async (pathway) => {
    const before = await eventCount();
    const response = await enrol({ patient: { nationalId: syntheticNationalId() }, pathway }, await t.issuer.token('clinician'));
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('pathway');
    expect(await eventCount()).toBe(before);
  });

  it('refuses malformed JSON with a 400', async () => {
    const response = await enrol('{"patient": {"nationalId": "150765', await t.issuer.token('clinician'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { title: string }).title).toBe('Malformed JSON');
  });

  it('requires a valid token (401) of a role that may enrol (403)', async () => {
    const body = { patient: { nationalId: syntheticNationalId() }, pathway: 'copd' };
    expect((await enrol(body)).status).toBe(401);
    expect((await enrol(body, 'not-a-jwt')).status).toBe(401);
    expect((await enrol(body, await t.issuer.token('clinician', { ttlSeconds: 60, issuedAt: new Date(Date.now() - 3_600_000) }))).status).toBe(401);
    expect((await enrol(body, await t.issuer.token('patient', { patientId: '00000000-0000-4000-8000-000000000001' }))).status).toBe(403);
  });
});
