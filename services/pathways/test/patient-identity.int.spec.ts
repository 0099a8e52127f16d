import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pathwaysV1Service } from '@varde/contracts';
import { ForbiddenError, NotFoundError } from '@varde/core';
import { callGrpc, ClientCredentialsTokens } from '@varde/platform';
import { PostgresMessageBus } from '@varde/messaging';
import { eventually, syntheticNationalId, type AccessLogView, auditReasonFor } from '@varde/testing';
import { rebuild } from '../../../scripts/rebuild';
import { loggedReads, startPathways, type PathwaysUnderTest } from './pathways-under-test';

const databaseUrl = inject('databaseUrl');

/** Enrols a new person on the COPD pathway (the default team); answers their national id and patient id. */
async function enrolNew(t: PathwaysUnderTest): Promise<{ nationalId: string; patientId: string }> {
  const nationalId = syntheticNationalId();
  const enrolled = await fetch(`${t.pathways.url}/api/enrolments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.issuer.token('clinician')}` },
    body: JSON.stringify({ patient: { nationalId }, pathway: 'copd' }),
  });
  expect(enrolled.status).toBe(201);
  return { nationalId, ...((await enrolled.json()) as { patientId: string }) };
}

describe('GetPatientIdentity: the national id, for the services allowed to share it', () => {
  let t: PathwaysUnderTest;
  let sharing: ClientCredentialsTokens;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways_identity', { NATIONAL_ID_READERS: 'varde-sharing' });
    sharing = new ClientCredentialsTokens({ tokenUrl: `${t.issuer.url}/token`, clientId: 'varde-sharing', audienceOf: (callee) => `varde-${callee}` });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const service = () => t.grpc.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');

  it('answers sharing with the national id and its system, and writes the read to the patient’s access log', async () => {
    const { nationalId, patientId } = await enrolNew(t);

    const answer = await callGrpc(service().getPatientIdentity({ patientId, purpose: 'sharing-pmd' }, await sharing.metadata('pathways')), 'GetPatientIdentity');
    expect(answer).toEqual({ patientId, system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: nationalId });
    const identityReads = (entries: readonly AccessLogView[]) => entries.filter((e) => e.resource === `Patient/${patientId}.identifier`);
    const logged = identityReads(await loggedReads(t, patientId, (entries) => identityReads(entries).length > 0));
    expect(logged).toMatchObject([{ purpose: 'sharing-pmd', actor: { subject: 'varde-sharing', role: 'system' } }]);

    // The table keeps the number sealed, never in clear.
    const { rows } = await t.db.query(`SELECT * FROM ${t.schema}.patient_identities WHERE patient_id = $1`, [patientId]);
    expect(JSON.stringify(rows)).not.toContain(nationalId);
  });

  it('refuses a service not named in NATIONAL_ID_READERS, and says NOT_FOUND for a patient it does not know', async () => {
    await expect(callGrpc(service().getPatientIdentity({ patientId: '00000000-0000-4000-8000-000000000001', purpose: 'x' }, await t.issuer.credentials.metadata('pathways')), 'GetPatientIdentity')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(callGrpc(service().getPatientIdentity({ patientId: '00000000-0000-4000-8000-000000000001', purpose: 'sharing-pmd' }, await sharing.metadata('pathways')), 'GetPatientIdentity')).rejects.toBeInstanceOf(NotFoundError);
  });
});

/** Letters no other test's names hold, so a search by name in the shared schema finds only this test's patients. */
const uniqueLetters = (): string => Array.from(randomBytes(6), (b) => String.fromCharCode(97 + (b % 26))).join('');

describe('Names, and POST /api/enrolments/search: a clinician finds a patient by national id or name', () => {
  let t: PathwaysUnderTest;
  beforeAll(async () => {
    t = await startPathways(databaseUrl, 'pathways_search');
  });
  afterAll(async () => {
    await t?.stop();
  });

  const search = async (body: unknown, token: string) => {
    const response = await fetch(`${t.pathways.url}/api/enrolments/search`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...auditReasonFor(token) }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { matches?: unknown[]; errors?: Array<{ field: string; message: string }> } };
  };

  const enrol = async (body: unknown, token: string) => {
    const response = await fetch(`${t.pathways.url}/api/enrolments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { patientId: string; errors?: Array<{ field: string; message: string }> } };
  };
  const post = async (path: string, body: unknown, token: string) => {
    const response = await fetch(`${t.pathways.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...auditReasonFor(token) }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { errors?: Array<{ field: string; message: string }> } };
  };
  /** Events in pathways' own log that hold this text. */
  const inOwnEvents = async (text: string): Promise<number> =>
    Number((await t.db.query(`SELECT count(*) FROM "${t.schema}".emt_messages WHERE message_data::text ILIKE $1 OR message_metadata::text ILIKE $1`, [`%${text}%`])).rows[0].count);

  it('enrols a patient with their name, kept sealed beside the national id and in no event, and shows it with the enrolment', async () => {
    const family = `Østby-${uniqueLetters()}`;
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const enrolled = await enrol({ patient: { nationalId: syntheticNationalId(), name: { family: `  ${family} `, given: ['Åse', 'Marie'] } }, pathway: 'copd' }, clinician);
    expect(enrolled.status).toBe(201);
    const { patientId } = enrolled.body;

    const read = await fetch(`${t.pathways.url}/api/enrolments/${patientId}`, { headers: { authorization: `Bearer ${clinician}` } });
    expect(await read.json()).toMatchObject({ patientId, status: 'active', name: { family, given: ['Åse', 'Marie'] } });
    // Sealed in its table; not in pathways' events nor in the integration events other services read.
    const { rows } = await t.db.query(`SELECT * FROM ${t.schema}.patient_names WHERE patient_id = $1`, [patientId]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(family.slice(6));
    expect(await inOwnEvents(patientId)).toBeGreaterThan(0);
    expect(await inOwnEvents(family.slice(6))).toBe(0);
    // PatientEnrolled, as other services read it, carries no name either.
    const bus = new PostgresMessageBus({ databaseUrl });
    try {
      const published = await eventually(async () => (await bus.readAll('varde.pathways.v1')).find((m) => m.key === patientId), 'PatientEnrolled on the bus');
      expect(published.type).toBe('varde.pathways.v1.PatientEnrolled');
      expect(Buffer.from(published.payload).toString('utf8')).not.toContain(family.slice(6));
    } finally {
      await bus.close();
    }

    // Enrolled without a name: none shown.
    const unnamed = await enrolNew(t);
    expect(await (await fetch(`${t.pathways.url}/api/enrolments/${unnamed.patientId}`, { headers: { authorization: `Bearer ${clinician}` } })).json()).not.toHaveProperty('name');
  });

  it('writes the name in the enrolment’s transaction: when the name cannot be kept, the enrolment is not stored either', async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const nationalId = syntheticNationalId();
    const family = `Lie${uniqueLetters()}`;
    const body = { patient: { nationalId, name: { family, given: ['Eva'] } }, pathway: 'copd' };
    // The database refuses every name while the trigger stands: a crash between the event and the name, made real.
    const table = `"${t.schema}".patient_names`;
    await t.db.query(`CREATE FUNCTION "${t.schema}".refuse_names() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'names refused by the test'; END $$`);
    await t.db.query(`CREATE TRIGGER refuse_names BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION "${t.schema}".refuse_names()`);
    try {
      expect((await enrol(body, clinician)).status).toBe(500);
    } finally {
      await t.db.query(`DROP TRIGGER refuse_names ON ${table}; DROP FUNCTION "${t.schema}".refuse_names()`);
    }
    // No enrolment without its name: the person is not enrolled, and sending again enrols them (201, not 200) with it.
    expect((await search({ nationalId }, clinician)).body).toEqual({ matches: [] });
    const again = await enrol(body, clinician);
    expect(again.status).toBe(201);
    expect(await (await fetch(`${t.pathways.url}/api/enrolments/${again.body.patientId}`, { headers: { authorization: `Bearer ${clinician}` } })).json()).toMatchObject({ name: { family, given: ['Eva'] } });
  });

  it('the care team corrects a name and erases it, each written to the access log; others may not, nothing changed', async () => {
    const letters = uniqueLetters();
    const copd = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const heart = await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] });
    const { patientId } = (await enrol({ patient: { nationalId: syntheticNationalId(), name: { family: `Hansne${letters}`, given: ['Kari'] } }, pathway: 'copd' }, copd)).body;
    const nameOf = async (token: string) => ((await (await fetch(`${t.pathways.url}/api/enrolments/${patientId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { name?: unknown }).name;
    const send = async (method: 'PUT' | 'DELETE', token: string, body?: unknown) => {
      const response = await fetch(`${t.pathways.url}/api/enrolments/${patientId}/name`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as { errors?: Array<{ field: string; message: string }> }) };
    };

    // Bad input names the field and changes nothing.
    expect(await send('PUT', copd, { family: ' ', given: ['Kari'] })).toEqual({ status: 400, body: expect.objectContaining({ errors: [{ field: 'family', message: 'expected the family name: 1–100 characters' }] }) });
    expect((await send('PUT', copd, { family: 'Hansen', given: ['Kari', 'B\u0007'] })).body?.errors).toEqual([{ field: 'given.1', message: 'expected the given name as text, without control characters' }]);
    expect((await send('PUT', copd, { given: ['Kari'] })).body?.errors).toEqual([{ field: 'family', message: 'required: the family name' }]);
    // Another team's clinician, and a patient, may not (the same 403 whatever they send).
    expect((await send('PUT', heart, { family: 'Feil' })).status).toBe(403);
    expect((await send('PUT', heart, { family: ' ' })).status).toBe(403);
    expect((await send('DELETE', heart)).status).toBe(403);
    expect((await send('PUT', await t.issuer.token('patient', { patientId }), { family: 'Feil' })).status).toBe(403);
    expect(await nameOf(copd)).toEqual({ family: `Hansne${letters}`, given: ['Kari'] });

    // Corrected: shown with the enrolment, found by the new name and no longer by the old one.
    expect(await send('PUT', copd, { family: `  Hansen${letters} `, given: ['Kari', 'Anne'] })).toEqual({ status: 200, body: { patientId, name: { family: `Hansen${letters}`, given: ['Kari', 'Anne'] } } });
    expect(await nameOf(copd)).toEqual({ family: `Hansen${letters}`, given: ['Kari', 'Anne'] });
    expect(((await search({ name: `hansen${letters}` }, copd)).body.matches as { patientId: string }[]).map((m) => m.patientId)).toEqual([patientId]);
    expect((await search({ name: `hansne${letters}` }, copd)).body).toEqual({ matches: [] });

    // Erased (the patient asked): gone from the table, the enrolment, the worklist's names and the search.
    expect(await send('DELETE', copd)).toEqual({ status: 204, body: undefined });
    expect(await nameOf(copd)).toBeUndefined();
    expect((await t.db.query(`SELECT 1 FROM "${t.schema}".patient_names WHERE patient_id = $1`, [patientId])).rowCount).toBe(0);
    expect((await post('/api/enrolments/names', { patientIds: [patientId] }, copd)).body).toEqual({ names: [] });
    expect((await search({ name: `hansen${letters}` }, copd)).body).toEqual({ matches: [] });
    // Erasing again is answered alike; a name can be kept again for a patient without one.
    expect((await send('DELETE', copd)).status).toBe(204);
    expect((await send('PUT', copd, { family: `Berge${letters}` })).status).toBe(200);
    expect(await nameOf(copd)).toEqual({ family: `Berge${letters}`, given: [] });

    // Who corrected and erased, when and why, in the patient's access log.
    const changes = (entries: readonly AccessLogView[]) => entries.filter((e) => e.resource === `enrolments/${patientId}/name`);
    const logged = changes(await loggedReads(t, patientId, (entries) => changes(entries).length >= 4));
    expect(logged.map((e) => e.purpose).sort()).toEqual(['patient-name-correction', 'patient-name-correction', 'patient-name-erasure', 'patient-name-erasure']);
    expect(logged[0]).toMatchObject({ actor: { role: 'clinician' }, reason: expect.any(String) });
  });

  it('npm run rebuild leaves every kept name under the care team of its enrolment, the names untouched', async () => {
    const letters = uniqueLetters();
    const both = await t.issuer.token('clinician', { careTeams: ['copd-care-team', 'hjertesvikt-care-team'] });
    const moved = (await enrol({ patient: { nationalId: syntheticNationalId(), name: { family: `Moe${letters}` } }, pathway: 'copd' }, both)).body.patientId;
    expect((await post(`/api/enrolments/${moved}/change-care-team`, { careTeam: 'hjertesvikt-care-team' }, both)).status).toBe(200);
    const stayed = (await enrol({ patient: { nationalId: syntheticNationalId(), name: { family: `Vik${letters}` } }, pathway: 'copd' }, both)).body.patientId;
    const names = async () => (await t.db.query(`SELECT patient_id, care_team_id, name_sealed FROM "${t.schema}".patient_names ORDER BY patient_id`)).rows;
    const live = await names();
    expect(live.find((row) => row.patient_id === moved)).toMatchObject({ care_team_id: 'hjertesvikt-care-team' });

    // Care teams gone astray (a restore, a hand edit): the rebuild folds them back from the enrolments' streams.
    await t.db.query(`UPDATE "${t.schema}".patient_names SET care_team_id = 'stale-team' WHERE patient_id = ANY($1::uuid[])`, [[moved, stayed]]);
    const [line] = await rebuild('pathways', 'name-care-teams', { DATABASE_URL: databaseUrl, DB_SCHEMA: t.schema });
    expect(line).toContain(`pathways/name-care-teams rebuilt in schema ${t.schema}`);
    expect(await names()).toEqual(live);
    const heart = await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] });
    expect(((await search({ name: `moe${letters}` }, heart)).body.matches as { patientId: string }[]).map((m) => m.patientId)).toEqual([moved]);
    expect((await rebuild('pathways', 'all', { DATABASE_URL: databaseUrl, DB_SCHEMA: t.schema })).join('\n')).toContain('pathways/name-care-teams');
    expect(await names()).toEqual(live);
  });

  it('refuses a name that is not one, naming the field, and writes nothing', async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const nationalId = syntheticNationalId();
    const refused = async (name: unknown) => {
      const answer = await enrol({ patient: { nationalId, name }, pathway: 'copd' }, clinician);
      expect(answer.status).toBe(400);
      return answer.body.errors;
    };
    expect(await refused({ family: '  ' })).toEqual([{ field: 'patient.name.family', message: 'expected the family name: 1–100 characters' }]);
    expect(await refused({ family: 'N'.repeat(101) })).toEqual([{ field: 'patient.name.family', message: 'expected the family name: 1–100 characters' }]);
    expect(await refused({ given: ['Kari'] })).toEqual([{ field: 'patient.name.family', message: 'required: the family name' }]);
    expect(await refused({ family: 'Nordmann', given: 'Kari' })).toEqual([expect.objectContaining({ field: 'patient.name.given' })]);
    expect(await refused({ family: 'Nordmann', given: ['Kari', 'A\u0007'] })).toEqual([{ field: 'patient.name.given.1', message: 'expected the given name as text, without control characters' }]);
    expect(await refused({ family: 'Nordmann', given: ['A', 'B', 'C', 'D', 'E', 'F'] })).toEqual([{ field: 'patient.name.given', message: 'expected at most 5 given names' }]);
    expect(await refused({ family: 'Nordmann', use: 'official' })).toEqual([{ field: 'patient.name', message: 'unknown field(s): use' }]);
    expect(await refused('Kari Nordmann')).toEqual([expect.objectContaining({ field: 'patient.name' })]);
    // Nothing was written: the person is still unknown to a search by number.
    expect((await search({ nationalId }, clinician)).body).toEqual({ matches: [] });
  });

  it('finds patients by part of a given or family name (case and accents ignored, ø kept), only on the clinician’s own teams, logging every match', async () => {
    const letters = uniqueLetters();
    const family = `Ødegård${letters}`;
    const copd = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const heart = await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] });
    const ownNationalId = syntheticNationalId();
    const own = (await enrol({ patient: { nationalId: ownNationalId, name: { family, given: ['Kari', 'Hélène'] } }, pathway: 'copd' }, copd)).body.patientId;
    const other = (await enrol({ patient: { nationalId: syntheticNationalId(), name: { family, given: ['Ola'] } }, pathway: 'copd', careTeam: 'hjertesvikt-care-team' }, heart)).body.patientId;

    const expected = { patientId: own, nationalIdMasked: `${ownNationalId.slice(0, 6)} *****`, name: { family, given: ['Kari', 'Hélène'] }, pathwayId: 'copd', status: 'active', careTeamId: 'copd-care-team' };
    expect(await search({ name: `ØDEGÅRD${letters.toUpperCase()}` }, copd)).toEqual({ status: 200, body: { matches: [expected] } });
    expect((await search({ name: `helene  ${letters}` }, copd)).body).toEqual({ matches: [expected] });
    // ø and å are letters of their own: "odegard" is another name.
    expect((await search({ name: `odegard${letters}` }, copd)).body).toEqual({ matches: [] });
    // Every word must be in the name.
    expect((await search({ name: `ola ${letters}` }, copd)).body).toEqual({ matches: [] });
    // The other team's clinician finds only their own patient; an auditor finds both.
    expect(((await search({ name: letters }, heart)).body.matches as { patientId: string }[]).map((m) => m.patientId)).toEqual([other]);
    expect(((await search({ name: letters }, await t.issuer.token('auditor'))).body.matches as { patientId: string }[]).map((m) => m.patientId).sort()).toEqual([own, other].sort());

    const searches = (entries: readonly AccessLogView[]) => entries.filter((e) => e.purpose === 'patient-search' && e.actor.role === 'clinician');
    const logged = searches(await loggedReads(t, own, (entries) => searches(entries).length >= 2));
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ resource: 'enrolments/search', reason: expect.any(String) });

    // Moved to another team, the patient is found there and no longer by the first team.
    const both = await t.issuer.token('clinician', { careTeams: ['copd-care-team', 'hjertesvikt-care-team'] });
    expect((await post(`/api/enrolments/${own}/change-care-team`, { careTeam: 'hjertesvikt-care-team' }, both)).status).toBe(200);
    expect((await search({ name: letters }, copd)).body).toEqual({ matches: [] });
    expect(((await search({ name: letters }, heart)).body.matches as { patientId: string }[]).map((m) => m.patientId).sort()).toEqual([own, other].sort());
  });

  it('refuses a name search that is not one, naming the field', async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    expect(await search({ name: ' k ' }, clinician)).toEqual({ status: 400, body: expect.objectContaining({ errors: [expect.objectContaining({ field: 'name', message: 'expected at least 2 letters of a given or family name' })] }) });
    expect((await search({ name: 'kari 1' }, clinician)).body.errors).toEqual([expect.objectContaining({ field: 'name', message: expect.stringContaining('digits are a national id') })]);
    expect((await search({ name: 42 }, clinician)).body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    expect((await search({ name: 'x'.repeat(101) }, clinician)).body.errors).toEqual([expect.objectContaining({ field: 'name', message: 'expected at most 100 characters of a name' })]);
  });

  it('POST /api/enrolments/names: the names of the patients a worklist page shows, only the clinician’s own, each logged', async () => {
    const letters = uniqueLetters();
    const copd = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const heart = await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] });
    const named = (await enrol({ patient: { nationalId: syntheticNationalId(), name: { family: `Berg${letters}`, given: ['Per'] } }, pathway: 'copd' }, copd)).body.patientId;
    const otherTeam = (await enrol({ patient: { nationalId: syntheticNationalId(), name: { family: `Dal${letters}` } }, pathway: 'copd', careTeam: 'hjertesvikt-care-team' }, heart)).body.patientId;
    const unnamed = (await enrolNew(t)).patientId;
    const never = '00000000-0000-4000-8000-000000000002';

    const answer = await post('/api/enrolments/names', { patientIds: [named, otherTeam, unnamed, never] }, copd);
    expect(answer).toEqual({ status: 200, body: { names: [{ patientId: named, name: { family: `Berg${letters}`, given: ['Per'] } }] } });
    const reads = (entries: readonly AccessLogView[]) => entries.filter((e) => e.purpose === 'patient-name');
    expect(reads(await loggedReads(t, named, (entries) => reads(entries).length > 0))).toMatchObject([{ resource: 'enrolments/names', actor: { role: 'clinician' } }]);

    expect((await post('/api/enrolments/names', { patientIds: ['Patient/1'] }, copd)).body.errors).toEqual([{ field: 'patientIds.0', message: 'expected an internal patient id (UUID)' }]);
    expect((await post('/api/enrolments/names', { patientIds: [] }, copd)).body.errors).toEqual([{ field: 'patientIds', message: 'expected at least one patient id' }]);
    expect((await post('/api/enrolments/names', { patientIds: [named] }, await t.issuer.token('patient', { patientId: named }))).status).toBe(403);
  });

  it('finds a patient of the clinician’s own team with the number masked, logs the read, and finds nothing on another team or for an unknown number', async () => {
    const { nationalId, patientId } = await enrolNew(t);

    const found = await search({ nationalId }, await t.issuer.token('clinician', { careTeams: ['copd-care-team'] }));
    expect(found).toEqual({ status: 200, body: { matches: [{ patientId, nationalIdMasked: `${nationalId.slice(0, 6)} *****`, pathwayId: 'copd', status: 'active', careTeamId: 'copd-care-team' }] } });
    expect(JSON.stringify(found.body)).not.toContain(nationalId.slice(6));
    const searches = (entries: readonly AccessLogView[], role: string) => entries.filter((e) => e.purpose === 'patient-search' && e.actor.role === role);
    const logged = searches(await loggedReads(t, patientId, (entries) => searches(entries, 'clinician').length > 0), 'clinician');
    expect(logged).toMatchObject([{ resource: `enrolments/${patientId}` }]);

    // Another team's clinician and a number never enrolled get the same empty answer; nothing is logged for them.
    expect(await search({ nationalId }, await t.issuer.token('clinician', { careTeams: ['hjertesvikt-care-team'] }))).toEqual({ status: 200, body: { matches: [] } });
    expect(await search({ nationalId: syntheticNationalId() }, await t.issuer.token('clinician', { careTeams: ['copd-care-team'] }))).toEqual({ status: 200, body: { matches: [] } });
    // An auditor finds anyone; a patient may not search.
    expect((await search({ nationalId }, await t.issuer.token('auditor'))).body.matches).toHaveLength(1);
    // Once the auditor's search (made after theirs) is in the log, the clinicians' empty answers are known to have logged nothing.
    const after = await loggedReads(t, patientId, (entries) => searches(entries, 'auditor').length > 0);
    expect(searches(after, 'clinician')).toHaveLength(1);
    expect((await search({ nationalId }, await t.issuer.token('patient', { patientId }))).status).toBe(403);
  });

  it('refuses a number that is not one, naming the field and what is wrong', async () => {
    const clinician = await t.issuer.token('clinician', { careTeams: ['copd-care-team'] });
    const bad = await search({ nationalId: '15076500564' }, clinician);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'nationalId', message: expect.stringContaining('check digits') })]);
    expect((await search({ nationalId: '1507' }, clinician)).body.errors).toEqual([expect.objectContaining({ field: 'nationalId', message: 'expected exactly 11 digits' })]);
    expect((await search({}, clinician)).body.errors).toEqual([expect.objectContaining({ field: 'nationalId' })]);
    expect((await search({ nationalId: '15076500565', name: 'Kari' }, clinician)).status).toBe(400);
  });
});
