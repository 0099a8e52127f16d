import { randomUUID } from 'node:crypto';
import type { ServiceName } from '@varde/platform';
import { enrolPatient, eventually, startServiceStack, startTestIssuer, syntheticNationalId, type ServiceStack, type TestIssuer, auditReasonFor } from '@varde/testing';
import { ageOn, birthDateOf, osloDate, ROLES, type Role } from '@varde/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildAccessMatrix, matrixPrincipal, SOME_ID, type MatrixCell, type MatrixPatients, type PatientCase } from './access-matrix';
import { blockOfNobody, REQUESTS, RUN_LAST, whatIfOverTheLastHour, type MatrixFixtures, type RequestPatient } from './matrix-requests';
import { SERVICE_ROUTES } from './service-routes';
import { storedIdOf, storeResourcesOf, type StoredResources } from './stored-resources';

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
let fixtures: MatrixFixtures;
/** A resource of each kind the routes name by id (`patient: 'resource'`), of the own and of the other team's patient. */
let stored: StoredResources;

/** A synthetic national id of an adult: nobody is registered as their guardian, so no age rule changes a cell's answer. */
function adultNationalId(): string {
  const today = osloDate(new Date().toISOString());
  for (;;) {
    const id = syntheticNationalId();
    const born = birthDateOf(id);
    if (born !== undefined && ageOn(born, today) >= 18) return id;
  }
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  stack = await startServiceStack(SERVICES, { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url });
  const pathways = stack.services['pathways']!.url;
  const careTeam = 'copd-care-team';
  const otherCareTeam = 'hjertesvikt-ous';
  nationalIds = { own: adultNationalId(), 'other-team': adultNationalId() };
  const ownTeamsClinician = await issuer.token('clinician', { careTeams: [careTeam] });
  const own = await enrolPatient(pathways, ownTeamsClinician, nationalIds.own);
  const otherTeamsClinician = await issuer.token('clinician', { careTeams: [otherCareTeam] });
  const otherResponse = await fetch(`${pathways}/api/enrolments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${otherTeamsClinician}` },
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
  // The own patient's consents, one for each role's update to change.
  const consent = async (): Promise<string> => {
    const response = await fetch(`${stack.services['sharing']!.url}/fhir/Consent`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get('patient')!}` }, body: JSON.stringify(blockOfNobody(own)) });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const consentIds = await Promise.all(ROLES.map(consent));
  fixtures = { careTeam, consentOf: Object.fromEntries(ROLES.map((role, i) => [role, consentIds[i]!])) as Record<Role, string> };
  // The resources routes name by id: the own patient's written by the patient (a patient corrects only what they
  // recorded themselves), the other team's patient's by a clinician of that team.
  const urls = Object.fromEntries(SERVICES.map((service) => [service, stack.services[service]!.url])) as Record<ServiceName, string>;
  const [ownResources, otherResources] = await Promise.all([
    storeResourcesOf(urls, { patientId: own, token: tokens.get('patient')! }, tokens.get('auditor')!),
    storeResourcesOf(urls, { patientId: otherTeam, token: otherTeamsClinician }, tokens.get('auditor')!),
  ]);
  stored = Object.fromEntries(Object.entries(ownResources).map(([kind, id]) => [kind, { own: id, 'other-team': otherResources[kind as keyof typeof otherResources] }])) as StoredResources;
  // A what-if shows anyone but an auditor only aggregates over at least 5 patients (ADR 0007) and refuses a smaller
  // one with 403: three more COPD patients, and the matrix waits until triage knows all five.
  await Promise.all([1, 2, 3].map(() => enrolPatient(pathways, ownTeamsClinician, adultNationalId())));
  const triage = stack.services['triage']!.url;
  const auditor = tokens.get('auditor')!;
  await eventually(async () => {
    const response = await fetch(`${triage}/api/triage/what-if`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}`, ...auditReasonFor(auditor) }, body: JSON.stringify(whatIfOverTheLastHour()) });
    return response.ok && ((await response.json()) as { patients: number }).patients >= 5 ? true : undefined;
  }, 'triage to know the five COPD patients');
});

afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

/**
 * The patients' requests name them by internal id, or (to enrol, or as a child) by national id; the unknown patient by
 * a new one each time, with a birth date (a RelatedPerson's is read before the caller is asked about). A route naming a
 * stored resource gets the cell's patient's resource (the unknown patient has none: the matrix's id of nothing stays).
 */
function requestPatient(cell: MatrixCell): RequestPatient {
  const which: PatientCase | undefined = cell.patient;
  const resourceId = storedIdOf(cell, stored);
  const patient = which === 'other-team' ? { patientId: patients.otherTeam, nationalId: nationalIds['other-team'] } : which === 'unknown' ? { patientId: patients.unknown, nationalId: adultNationalId() } : { patientId: patients.own, nationalId: nationalIds.own };
  return resourceId === undefined ? patient : { ...patient, resourceId };
}

/**
 * A narrowing below the table that a cell may show: the table lets a system write any patient's measurements, and a
 * device gateway writes only for the patients it is assigned to (measurements' gateway assignments, ADR 0007).
 */
const narrowedBelowTheTable = (cell: MatrixCell, status: number): boolean => cell.role === 'system' && cell.service === 'measurements' && cell.patient !== 'own' && status === 403;

/**
 * Denied cells whose answer cannot differ from their permitted twin's, keyed `<service> <route> as <role> (<patient>)`,
 * with the reason. None: every route with a body or a required query is sent one valid for the own patient (REQUESTS).
 */
const INDISTINGUISHABLE_BY_DESIGN: Readonly<Record<string, string>> = {};

const keyOf = (cell: MatrixCell): string => `${cell.service} ${cell.route}`;
const describeCell = (cell: MatrixCell): string => `${cell.service} ${cell.method} ${cell.url.replace(SOME_ID, storedIdOf(cell, stored) ?? SOME_ID)} as ${cell.role}${cell.patient ? ` (${cell.patient} patient${cell.storedResource ? "'s stored resource" : ''})` : ''}`;

/** The status a cell's request is answered with (its route's request from REQUESTS for the cell's patient; a stream is closed once it answers). */
async function statusOf(cell: MatrixCell): Promise<number> {
  const request = REQUESTS[keyOf(cell)]?.(requestPatient(cell), cell, fixtures) ?? {};
  const id = request.id ?? storedIdOf(cell, stored);
  const path = id === undefined ? cell.url : cell.url.replace(SOME_ID, id);
  const url = request.query === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}${request.query}`;
  const response = await fetch(`${stack.services[cell.service]!.url}${url}`, {
    method: cell.method,
    headers: { authorization: `Bearer ${tokens.get(cell.role)!}`, ...auditReasonFor(tokens.get(cell.role)), accept: 'application/json', ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal: AbortSignal.timeout(20_000),
  });
  await response.body?.cancel();
  return response.status;
}

/**
 * Every cell's status, a route at a time (its cells at once): a route's writes land before the next route's requests,
 * and the routes of RUN_LAST, whose writes change other cells' answers, come after all others in their order.
 */
async function statusesOf(cells: readonly MatrixCell[]): Promise<Map<MatrixCell, number>> {
  const routes = [...new Set(cells.map(keyOf))];
  const order = [...routes.filter((r) => !RUN_LAST.includes(r)), ...RUN_LAST.filter((r) => routes.includes(r))];
  const statuses = new Map<MatrixCell, number>();
  for (const route of order) {
    const ofRoute = cells.filter((c) => keyOf(c) === route);
    (await Promise.all(ofRoute.map(statusOf))).forEach((status, i) => statuses.set(ofRoute[i]!, status));
  }
  return statuses;
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

  it('answers every cell as the policy table says: 401/403 where it denies, never 401/403 (nor 5xx) where it permits', async () => {
    const cells = buildAccessMatrix(SERVICE_ROUTES, patients);
    const statuses = await statusesOf(cells);
    const statusOfCell = (cell: MatrixCell): number => statuses.get(cell)!;
    const permittedTwin = (cell: MatrixCell): MatrixCell | undefined => cells.find((c) => keyOf(c) === keyOf(cell) && c.role === cell.role && c.patient === 'own' && c.expected === 'permit');
    const listed = (cell: MatrixCell): boolean => INDISTINGUISHABLE_BY_DESIGN[`${keyOf(cell)} as ${cell.role} (${cell.patient ?? 'no patient'})`] !== undefined;
    // A denied cell answered 400/404 as the same request about the caller's own patient (which the table permits) is
    // answered was refused before anyone looked at the patient: it would pass without any access check.
    const indistinguishable = cells.filter((cell) => {
      const twin = permittedTwin(cell);
      const status = statusOfCell(cell);
      return cell.expected === 'deny' && (status === 400 || status === 404) && twin !== undefined && statusOfCell(twin) === status && !listed(cell);
    });
    const wrong = cells.flatMap((cell) => {
      const status = statusOfCell(cell);
      const right =
        cell.expected === 'deny' ? status === 401 || status === 403 || listed(cell) : cell.expected === 'absent' ? status === 404 : (status !== 401 && status !== 403 && status < 500) || narrowedBelowTheTable(cell, status);
      return right ? [] : [`${describeCell(cell)}: ${status}, the table says ${cell.expected} (${cell.why})`];
    });
    // The requests must stay valid: a permitted cell refused as malformed (400) shows its route's request went stale, a
    // permitted cell on a stored resource answered 404 that the resource it names was not found (tests/access/stored-resources.ts).
    const refusedAsMalformed = cells
      .filter((cell) => cell.expected === 'permit' && (statusOfCell(cell) === 400 || (cell.storedResource && statusOfCell(cell) === 404)))
      .map((cell) => `${describeCell(cell)}: ${statusOfCell(cell)} (REQUESTS in tests/access/matrix-requests.ts, or the stored resources)`);
    const storedRoutes = new Set(cells.filter((cell) => cell.storedResource).map(keyOf)).size;
    console.info(`access matrix: ${cells.length} cells over ${new Set(cells.map(keyOf)).size} routes (${storedRoutes} naming a stored resource, ${cells.filter((cell) => cell.expected === 'absent').length} cells of an unknown one); ${wrong.length} wrong; ${indistinguishable.length} denied cells answered 400/404 as their permitted twin; ${refusedAsMalformed.length} permitted cells refused as malformed or not found`);
    expect({ indistinguishable: indistinguishable.map((cell) => `${describeCell(cell)}: ${statusOfCell(cell)} as its permitted twin`), wrong, refusedAsMalformed }).toEqual({ indistinguishable: [], wrong: [], refusedAsMalformed: [] });
  });
});
