import { D_NUMBER_SYSTEM, FODSELSNUMMER_SYSTEM, nationalIdSystem, osloDate, withNationalIdCheckDigits } from '@varde/core';
import { enrolPatient, freshSchema, optOutConsent, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPathwaysAndSharing } from './sharing-fixtures';

// Guardians (RelatedPerson) and the child's age rules, against running pathways and sharing; the age is judged on
// today's date in Norway, so children are made whose birthday is today or tomorrow.
const databaseUrl = inject('databaseUrl');
const sharingSchema = freshSchema('sharing_guardians');

let issuer: TestIssuer;
let pathways: ServiceProcess;
let sharing: ServiceProcess;
let db: pg.Pool;

type Json = Record<string, unknown>;
const call = async (method: string, path: string, token: string, body?: unknown) => {
  const response = await fetch(`${sharing.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Json };
};

/**
 * A synthetic national id (month + 80) of a child born on `date` (YYYY-MM-DD, 2000–2039), or with `d-number` a D-number
 * (day + 40: a person without a fødselsnummer, e.g. a child who moved to Norway).
 */
function childBornOn(date: string, kind: 'synthetic' | 'd-number' = 'synthetic'): string {
  const [y, m, d] = date.split('-');
  const [day, month] = kind === 'd-number' ? [String(Number(d) + 40), m!] : [d!, String(Number(m) + 80)];
  for (let individual = 500; individual < 1000; individual++) {
    const id = withNationalIdCheckDigits(`${day}${month}${y!.slice(2)}${individual}`);
    if (id !== undefined) return id;
  }
  throw new Error(`no national id for ${date}`);
}
/** The date `years` before today in Norway, shifted by `days`. */
function yearsAgo(years: number, days = 0): string {
  const [y, m, d] = osloDate(new Date().toISOString()).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y - years, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}
const relatedPerson = (patientId: string, nationalId: string, guardian: string, extra: Json = {}): Json => ({
  resourceType: 'RelatedPerson',
  active: true,
  patient: { reference: `Patient/${patientId}`, identifier: { system: nationalIdSystem(nationalId), value: nationalId } },
  relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'PRN' }] }],
  identifier: [{ system: 'urn:varde:subject', value: guardian }],
  name: [{ text: 'Forelder Eksempel' }],
  ...extra,
});
const denyGuardian = (patientId: string, relatedPersonId: string, category: string): Json =>
  optOutConsent(patientId, { actor: [{ role: { text: 'guardian' }, reference: { reference: `RelatedPerson/${relatedPersonId}` } }], class: [{ system: 'https://varde.no/fhir/CodeSystem/data-category', code: category }] });
const events = async () => Number((await db.query(`SELECT count(*) FROM ${sharingSchema}.emt_messages WHERE message_type = 'GuardianRegistered'`)).rows[0].count);

beforeAll(async () => {
  issuer = await startTestIssuer();
  ({ pathways, sharing } = await startPathwaysAndSharing({ DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url }, sharingSchema));
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
});

afterAll(async () => {
  await sharing?.stop();
  await pathways?.stop();
  await Promise.allSettled([db?.end(), issuer?.close()]);
});

/** A child enrolled by the care team with a guardian registered; returns what the test needs. */
async function childWithGuardian(birthDate: string, guardian: string, kind: 'synthetic' | 'd-number' = 'synthetic') {
  const clinician = await issuer.token('clinician');
  const nationalId = childBornOn(birthDate, kind);
  const patientId = await enrolPatient(pathways.url, clinician, nationalId);
  const registered = await call('POST', '/fhir/RelatedPerson', clinician, relatedPerson(patientId, nationalId, guardian));
  expect(registered.status).toBe(201);
  expect(JSON.stringify(registered.body)).not.toContain(nationalId);
  const token = await issuer.token('guardian', { subject: guardian, patientIds: [patientId] });
  // The care plan is pathways': pathways asks sharing's policy for the guardian, so the age rules hold there too.
  const readCarePlan = async () => (await fetch(`${pathways.url}/fhir/CarePlan?patient=Patient/${patientId}`, { headers: { authorization: `Bearer ${token}` } })).status;
  return { patientId, relatedPersonId: registered.body['id'] as string, token, readConsents: () => call('GET', `/fhir/Consent?patient=${patientId}`, token), readCarePlan };
}

describe('guardians and minors (pasient- og brukerrettighetsloven § 3-4)', () => {
  it('acts fully for a child under 12', async () => {
    const { readConsents } = await childWithGuardian(yearsAgo(10), 'parent-10');
    expect((await readConsents()).status).toBe(200);
  });

  it('from 12 lets the child deny the guardian categories of information', async () => {
    const { patientId, relatedPersonId, token, readConsents } = await childWithGuardian(yearsAgo(14), 'parent-14');
    expect((await readConsents()).status).toBe(200);
    const child = await issuer.token('patient', { patientId });
    expect((await call('POST', '/fhir/Consent', child, denyGuardian(patientId, relatedPersonId, 'consents'))).status).toBe(201);
    const refused = await readConsents();
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('has denied the guardian');
    // The child's access log is not among what was denied.
    expect((await call('GET', `/api/patients/${patientId}/access-log`, token)).status).toBe(200);
  });

  it('gives no automatic access from the 16th birthday: the rule changes on the day', async () => {
    const turnsSixteenTomorrow = await childWithGuardian(yearsAgo(16, 1), 'parent-15');
    expect((await turnsSixteenTomorrow.readConsents()).status).toBe(200);
    const sixteenToday = await childWithGuardian(yearsAgo(16), 'parent-16');
    const refused = await sixteenToday.readConsents();
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('from 16');
  });

  it('acts for a child identified by a D-number, the age rules judged on the birth date it gives (day − 40)', async () => {
    const dNumber = childBornOn(yearsAgo(14), 'd-number');
    expect(nationalIdSystem(dNumber)).toBe(D_NUMBER_SYSTEM);
    const fourteen = await childWithGuardian(yearsAgo(14), 'parent-d-14', 'd-number');
    expect((await fourteen.readConsents()).status).toBe(200);
    expect(await fourteen.readCarePlan()).toBe(200);
    // From 12 the child may deny the guardian a category, as with a fødselsnummer: the consents, not the care plan.
    const child = await issuer.token('patient', { patientId: fourteen.patientId });
    expect((await call('POST', '/fhir/Consent', child, denyGuardian(fourteen.patientId, fourteen.relatedPersonId, 'consents'))).status).toBe(201);
    expect((await fourteen.readConsents()).status).toBe(403);
    expect(await fourteen.readCarePlan()).toBe(200);
    // No automatic access from the 16th birthday, on the day, in sharing and in pathways.
    const fifteen = await childWithGuardian(yearsAgo(16, 1), 'parent-d-15', 'd-number');
    expect([(await fifteen.readConsents()).status, await fifteen.readCarePlan()]).toEqual([200, 200]);
    const sixteen = await childWithGuardian(yearsAgo(16), 'parent-d-16', 'd-number');
    const refused = await sixteen.readConsents();
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('from 16');
    expect(await sixteen.readCarePlan()).toBe(403);
  });

  it('refuses a D-number given under the fødselsnummer system, naming the element, and writes nothing', async () => {
    const clinician = await issuer.token('clinician');
    const dNumber = childBornOn(yearsAgo(9), 'd-number');
    const patientId = await enrolPatient(pathways.url, clinician, dNumber);
    const before = await events();
    const misfiled = relatedPerson(patientId, dNumber, 'parent-d-9');
    const refused = await call('POST', '/fhir/RelatedPerson', clinician, { ...misfiled, patient: { reference: `Patient/${patientId}`, identifier: { system: FODSELSNUMMER_SYSTEM, value: dNumber } } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ issue: [expect.objectContaining({ expression: ['RelatedPerson.patient.identifier.system'], diagnostics: expect.stringContaining(D_NUMBER_SYSTEM) })] });
    expect(JSON.stringify(refused.body)).not.toContain(dNumber);
    expect(await events()).toBe(before);
  });

  it('refuses a registration for an adult, or without a legal basis, naming the element, and writes nothing', async () => {
    const clinician = await issuer.token('clinician');
    const patientId = await enrolPatient(pathways.url, clinician, childBornOn(yearsAgo(18)));
    const before = await events();
    const adult = await call('POST', '/fhir/RelatedPerson', clinician, relatedPerson(patientId, childBornOn(yearsAgo(18)), 'parent-18'));
    expect(adult.status).toBe(422);
    expect(adult.body).toMatchObject({ issue: [expect.objectContaining({ expression: ['RelatedPerson.patient.identifier'], diagnostics: expect.stringContaining('an adult') })] });
    const noBasis = await call('POST', '/fhir/RelatedPerson', clinician, relatedPerson(patientId, childBornOn(yearsAgo(8)), 'parent-8', { relationship: [{ text: 'onkel' }] }));
    expect(noBasis.status).toBe(422);
    expect(noBasis.body).toMatchObject({ issue: [expect.objectContaining({ expression: ['RelatedPerson.relationship'] })] });
    const badId = await call('POST', '/fhir/RelatedPerson', clinician, relatedPerson(patientId, '12345678901', 'parent-x'));
    expect(badId.status).toBe(400);
    // Another team's clinician may not register one.
    const other = await call('POST', '/fhir/RelatedPerson', await issuer.token('clinician', { careTeams: ['heart-team'] }), relatedPerson(patientId, childBornOn(yearsAgo(8)), 'parent-8'));
    expect(other.status).toBe(403);
    // A valid number that is not the one pathways holds for the patient (another child's): the age rules would be someone else's.
    const notTheirs = await call('POST', '/fhir/RelatedPerson', clinician, relatedPerson(patientId, childBornOn(yearsAgo(7)), 'parent-7'));
    expect(notTheirs.status).toBe(422);
    expect(notTheirs.body).toMatchObject({ issue: [expect.objectContaining({ expression: ['RelatedPerson.patient.identifier'], diagnostics: expect.stringContaining('not the national id Varde holds') })] });
    expect(JSON.stringify(notTheirs.body)).not.toContain(childBornOn(yearsAgo(7)));
    expect(await events()).toBe(before);
  });
});
