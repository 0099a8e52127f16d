import { randomUUID } from 'node:crypto';
import type { ServiceName } from '@varde/platform';
import { enrolPatient, optOutConsent, spo2Observation, startServiceStack, startTestIssuer, syntheticNationalId, type ServiceStack, type TestIssuer, auditReasonFor } from '@varde/testing';
import { ROLES, type Role } from '@varde/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildAccessMatrix, matrixPrincipal, type MatrixCell, type MatrixPatients, type PatientCase } from './access-matrix';
import { SERVICE_ROUTES } from './service-routes';

// Issue #16 item 9: every route the services register × every role × own patient / patient of another care team /
// unknown patient, requested of the running services and checked against the one policy table. The services are
// started once; a new route without a declared policy fails already in building the matrix (access-matrix.spec.ts).
const databaseUrl = inject('databaseUrl');
const SERVICES: readonly ServiceName[] = ['pathways', 'sharing', 'measurements', 'forms', 'triage'];

let issuer: TestIssuer;
let stack: ServiceStack;
let patients: MatrixPatients;
/** The national ids of the matrix's enrolled patients (routes that name a person by national id). */
let nationalIds: Readonly<Record<'own' | 'other-team', string>>;
const tokens = new Map<Role, string>();

beforeAll(async () => {
  issuer = await startTestIssuer();
  stack = await startServiceStack(SERVICES, { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url });
  const pathways = stack.services['pathways']!.url;
  const careTeam = 'copd-care-team';
  const otherCareTeam = 'hjertesvikt-ous';
  nationalIds = { own: syntheticNationalId(), 'other-team': syntheticNationalId() };
  const ownTeamsClinician = await issuer.token('clinician', { careTeams: [careTeam] });
  const own = await enrolPatient(pathways, ownTeamsClinician, nationalIds.own);
  const otherResponse = await fetch(`${pathways}/api/enrolments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await issuer.token('clinician', { careTeams: [otherCareTeam] })}` },
    body: JSON.stringify({ patient: { nationalId: nationalIds['other-team'] }, pathway: 'copd', careTeam: otherCareTeam }),
  });
  expect(otherResponse.status).toBe(201);
  const otherTeam = ((await otherResponse.json()) as { patientId: string }).patientId;
  patients = { careTeam, own, otherTeam, otherCareTeam, unknown: randomUUID() };
  // The matrix's system is a device gateway assigned to the own patient (gateways write only for their patients).
  const assigned = await fetch(`${stack.services['measurements']!.url}/api/patients/${own}/device-gateways/${matrixPrincipal('system', patients).subject}`, { method: 'PUT', headers: { authorization: `Bearer ${ownTeamsClinician}` } });
  expect(assigned.status).toBeLessThan(300);
  for (const role of ROLES) {
    const principal = matrixPrincipal(role, patients);
    tokens.set(role, await issuer.token(role, { subject: principal.subject, ...(principal.careTeams.length > 0 ? { careTeams: [...principal.careTeams] } : {}), ...(principal.patientId ? { patientId: principal.patientId } : {}), ...(principal.patientIds ? { patientIds: [...principal.patientIds] } : {}) }));
  }
});

afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
/**
 * What makes a route's request well-formed, where an empty one is refused (400) before the patient is looked at: with
 * it, the cell shows the policy's answer rather than the parser's. Routes not here are requested as they are.
 */
const WELL_FORMED: Readonly<Record<string, string>> = {
  'measurements GET /api/patients/:patientId/measurements/series': 'code=2708-6',
  'measurements GET /api/patients/:patientId/measurements/streams/samples': `code=59408-5&from=${hourAgo}&to=${new Date().toISOString()}`,
  'measurements GET /api/patients/:patientId/measurements/streams/aggregates': `code=59408-5&from=${hourAgo}&to=${new Date().toISOString()}&window=300`,
};

/** A patient as a request body names them: by internal id, or (a person to enrol) by national id. */
type BodyPatient = Readonly<{ patientId: string; nationalId: string }>;
/** A block against a health professional no matrix token is: it changes no cell's answer. */
const blockOfNobody = { actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] }, reference: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '1000001' } } }] };
/**
 * Well-formed bodies naming the cell's patient, for the routes that take the patient from the body: with them a cell
 * shows the policy's answer for that patient. Routes with the patient in the body not here are sent `{}` (refused as
 * malformed for every patient alike, which tells nothing about one).
 */
const BODIES: Readonly<Record<string, (patient: BodyPatient) => unknown>> = {
  'pathways POST /api/enrolments': ({ nationalId }) => ({ patient: { nationalId }, pathway: 'copd' }),
  'measurements POST /fhir/Observation': ({ patientId }) => spo2Observation(patientId, 96),
  'measurements POST /fhir': ({ patientId }) => ({ resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: spo2Observation(patientId, 96), request: { method: 'POST', url: 'Observation' } }] }),
  'sharing POST /fhir/Consent': ({ patientId }) => optOutConsent(patientId, blockOfNobody),
};

const bodyPatient = (which: PatientCase): BodyPatient =>
  which === 'own' ? { patientId: patients.own, nationalId: nationalIds.own } : which === 'other-team' ? { patientId: patients.otherTeam, nationalId: nationalIds['other-team'] } : { patientId: patients.unknown, nationalId: syntheticNationalId() };

/**
 * A narrowing below the table that a cell may show: the table lets a system write any patient's measurements, and a
 * device gateway writes only for the patients it is assigned to (measurements' gateway assignments, ADR 0007).
 */
const narrowedBelowTheTable = (cell: MatrixCell, status: number): boolean => cell.role === 'system' && cell.service === 'measurements' && cell.patient !== 'own' && status === 403;

/** The status a cell's request is answered with (for writes the route's body naming the cell's patient, else `{}`; a stream is closed once it answers). */
async function statusOf(cell: MatrixCell): Promise<number> {
  const write = cell.method !== 'GET' && cell.method !== 'HEAD';
  const extra = WELL_FORMED[`${cell.service} ${cell.route}`];
  const url = extra === undefined ? cell.url : `${cell.url}${cell.url.includes('?') ? '&' : '?'}${extra}`;
  const body = BODIES[`${cell.service} ${cell.route}`];
  const response = await fetch(`${stack.services[cell.service]!.url}${url}`, {
    method: cell.method,
    headers: { authorization: `Bearer ${tokens.get(cell.role)!}`, ...auditReasonFor(tokens.get(cell.role)), accept: 'application/json', ...(write ? { 'content-type': 'application/json' } : {}) },
    ...(write ? { body: body && cell.patient ? JSON.stringify(body(bodyPatient(cell.patient))) : '{}' } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  await response.body?.cancel();
  return response.status;
}

/** Runs `work` over `items`, `width` at a time. */
async function inBatches<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) results.push(...(await Promise.all(items.slice(start, start + width).map(work))));
  return results;
}

describe('the access matrix: every route × every role × own / other team\'s / unknown patient', () => {
  it('lists in each service\'s OpenAPI document exactly the routes the matrix is built from', async () => {
    for (const service of SERVICES) {
      const document = (await (await fetch(`${stack.services[service]!.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
      const served = new Set(Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => (op.operationId ?? '').replace(/(_\d+|\[\d+\])$/, ''))));
      const scanned = new Set(SERVICE_ROUTES.filter((r) => r.service === service).map((r) => r.operationId));
      expect([...served].filter((id) => !scanned.has(id)), `${service}: served but not in the matrix`).toEqual([]);
      expect([...scanned].filter((id) => !served.has(id)), `${service}: in the matrix but not served`).toEqual([]);
    }
  });

  it('answers every cell as the policy table says: 403 where it denies, never 401/403 (nor 5xx) where it permits', async () => {
    const cells = buildAccessMatrix(SERVICE_ROUTES, patients);
    const statuses = await inBatches(cells, 8, statusOf);
    // A request the route refuses as malformed (400), or for a resource the path names that does not exist (404), before
    // it looks at the patient tells nothing about them: a denied cell may be answered so when the same request about the
    // caller's own patient, which the table permits, is answered the same.
    const permittedTwin = (cell: MatrixCell): number | undefined => {
      const i = cells.findIndex((c) => c.service === cell.service && c.route === cell.route && c.role === cell.role && c.patient === 'own' && c.expected === 'permit');
      return i < 0 ? undefined : statuses[i];
    };
    let validatedFirst = 0;
    const wrong = cells.flatMap((cell, i) => {
      const status = statuses[i]!;
      const malformedForAll = cell.expected === 'deny' && (status === 400 || status === 404) && permittedTwin(cell) === status;
      if (malformedForAll) validatedFirst += 1;
      const right = cell.expected === 'deny' ? status === 403 || malformedForAll : (status !== 401 && status !== 403 && status < 500) || narrowedBelowTheTable(cell, status);
      return right ? [] : [`${cell.service} ${cell.method} ${cell.url} as ${cell.role}${cell.patient ? ` (${cell.patient} patient)` : ''}: ${status}, the table says ${cell.expected} (${cell.why})`];
    });
    console.info(`access matrix: ${cells.length} cells over ${new Set(cells.map((c) => `${c.service} ${c.route}`)).size} routes; ${validatedFirst} denied cells answered 400/404 as their permitted twin; ${wrong.length} wrong`);
    expect(wrong).toEqual([]);
  });
});
