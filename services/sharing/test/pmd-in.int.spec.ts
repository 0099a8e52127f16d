import type { Observation } from '@medplum/fhirtypes';
import { enrolPatient, eventually, startServiceStack, startTestIssuer, syntheticNationalId, type PmdPeer, type ServiceProcess, type ServiceStack, type TestIssuer } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, figureToday, homeCareConsent, HOSPITAL, ORGNR, startPmd, type PmdUnderTest } from './pmd-under-test';

const databaseUrl = inject('databaseUrl');
const MUNICIPALITY = '910000012';

let issuer: TestIssuer;
let pmd: PmdUnderTest;
let peer: PmdPeer;
let stack: ServiceStack;
let services: Readonly<Record<string, ServiceProcess>>;

let minute = 0;
const municipalityReading = (nationalId: string, value: number, unit = '%', performer = MUNICIPALITY): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.9999', value: `kommune-${nationalId}-${value}-${unit}` }],
  code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
  subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: nationalId } },
  effectiveDateTime: new Date(Date.now() - 3_600_000 + ++minute * 60_000).toISOString(),
  performer: [{ identifier: { system: ORGNR, value: performer }, display: 'Eksempel kommune hjemmetjenesten' }],
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});
const fetchNow = async (patientId: string) => call(services.sharing!.url, 'POST', `/api/patients/${patientId}/pmd/fetch`, await issuer.token('clinician'));
const measurementsOf = async (patientId: string) => {
  const found = await call(services.measurements!.url, 'GET', `/fhir/Observation?patient=${patientId}`, await issuer.token('clinician'));
  return ((found.body.entry ?? []) as { resource: Observation }[]).map((e) => e.resource);
};
const metric = async (pattern: RegExp) => pattern.test(await (await fetch(`${services.sharing!.url}/metrics`)).text());

beforeAll(async () => {
  issuer = await startTestIssuer();
  pmd = await startPmd();
  peer = pmd.peer;
  stack = await startServiceStack(
    ['pathways', 'sharing', 'measurements', 'triage'],
    { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url },
    {
      // Sharing records what it fetches in measurements (which asks sharing's policy decision point, so starts after it).
      sharing: (at) => ({ MEASUREMENTS_URL: at.measurements!.url, ...pmd.sharingEnv, PMD_FETCH_INTERVAL_SECONDS: '1', PMD_FETCH_TICK_MS: '300' }),
    },
  );
  services = stack.services;
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.allSettled([pmd?.stop(), issuer?.close()]);
});

describe('PMD in: what a municipality puts in Pasientens måledata reaches Varde', () => {
  it('records a municipality measurement for an enrolled patient with the municipality as provenance, triages it, and records it once', async () => {
    const nationalId = syntheticNationalId();
    const patientId = await enrolPatient(services.pathways!.url, await issuer.token('clinician'), nationalId);
    await peer.put(municipalityReading(nationalId, 85));
    const fetched = await eventually(async () => {
      const answer = await fetchNow(patientId);
      return answer.status === 200 ? answer : undefined; // 404 until sharing has seen the enrolment
    }, 'the on-demand fetch');
    expect(fetched.body).toEqual({ patientId, found: 1, recorded: 1, keptOut: 0 });
    const [recorded] = await measurementsOf(patientId);
    expect(recorded).toMatchObject({ valueQuantity: { value: 85 }, performer: [{ identifier: { system: ORGNR, value: MUNICIPALITY } }] });
    // Triaged like any other measurement: SpO2 85 % is red on the worklist.
    await eventually(async () => {
      const worklist = await call(services.triage!.url, 'GET', '/api/worklist', await issuer.token('clinician'));
      const entry = ((worklist.body.entries ?? []) as { patientId: string; colour: string }[]).find((e) => e.patientId === patientId);
      return entry?.colour === 'red' ? entry : undefined;
    }, 'the patient red on the worklist');
    // Fetching again records nothing twice.
    expect((await fetchNow(patientId)).body).toEqual({ patientId, found: 1, recorded: 0, keptOut: 0 });
    expect(await measurementsOf(patientId)).toHaveLength(1);
    // The first PMD Observation this stack recorded: the strategy figure counts exactly it.
    expect(await figureToday(services.sharing!.url, await issuer.token('auditor'), 'measurements-received-from-pmd')).toEqual({ all: 1 });
  });

  it('fetches on its schedule, and never sends what came from PMD back to it, even with consent', async () => {
    const nationalId = syntheticNationalId();
    const patientId = await enrolPatient(services.pathways!.url, await issuer.token('clinician'), nationalId);
    const token = await issuer.token('patient', { patientId });
    const consent = await call(services.sharing!.url, 'POST', '/fhir/Consent', token, homeCareConsent(patientId));
    expect(consent.status).toBe(201);
    await peer.put(municipalityReading(nationalId, 96));
    await eventually(async () => ((await measurementsOf(patientId)).length === 1 ? true : undefined), 'the scheduled fetch recorded it');
    await eventually(async () => ((await metric(/varde_pmd_measurements_not_shared_total\{[^}]*reason="from-pmd"[^}]*\} [1-9]/)) ? true : undefined), 'PMD out saw it and skipped it');
    expect((await peer.observations()).filter((o) => o.subject?.identifier?.value === nationalId)).toHaveLength(1);
  });

  it('keeps out, logs and counts an Observation with a unit measurements does not know, and skips what this hospital sent', async () => {
    const nationalId = syntheticNationalId();
    const patientId = await enrolPatient(services.pathways!.url, await issuer.token('clinician'), nationalId);
    await peer.put(municipalityReading(nationalId, 93, '[furlong]'));
    await peer.put(municipalityReading(nationalId, 94, '%', HOSPITAL));
    const fetched = await eventually(async () => {
      const answer = await fetchNow(patientId);
      return answer.status === 200 ? answer : undefined;
    }, 'the on-demand fetch');
    // Either the schedule or this call handled them first; together nothing is recorded.
    expect(await measurementsOf(patientId)).toEqual([]);
    expect(fetched.body).toMatchObject({ patientId, found: 2, recorded: 0 });
    await eventually(async () => ((await metric(/varde_pmd_in_observations_total\{[^}]*outcome="kept_out"[^}]*\} [1-9]/)) ? true : undefined), 'counted as kept out');
    expect(services.sharing!.logs()).toContain('kept out');
  });

  it('answers 403 for a patient not on the clinician’s care teams (as for an unknown one), and 400 for a patient id that is none', async () => {
    expect((await fetchNow('00000000-0000-4000-8000-000000000042')).status).toBe(403);
    expect((await fetchNow('not-a-patient')).status).toBe(400);
  });
});
