import { decideAccess, rolesAllowed, scopesOfRole, type Principal } from '@varde/auth';
import { ROLES, type Role } from '@varde/core';
import type { Route } from './service-routes';

/** How the patient a request names stands to the caller's patient and care team. */
export type PatientCase = 'own' | 'other-team' | 'unknown';

/** The patients of the matrix: `own` on `careTeam` (the caller's team, self and ward), `other-team` on another, `unknown` never enrolled. */
export type MatrixPatients = Readonly<{ careTeam: string; own: string; otherTeam: string; otherCareTeam: string; unknown: string }>;

/** One cell: a request by a role, about one kind of patient where the route names one, and what the policy table says. */
export type MatrixCell = Readonly<{
  service: Route['service'];
  route: string;
  role: Role;
  /**
   * Absent for a route that names no patient (a list). For a route whose patient is the subject of a stored resource
   * it names by id (`storedResource`), `own` and `other-team` are a resource of that patient and `unknown` an id of nothing.
   */
  patient?: PatientCase;
  /** The path's id is a stored resource's (`@Access(…, { patient: 'resource' })`): the request puts the patient's resource there. */
  storedResource?: true;
  method: string;
  /** The path to request, parameters filled in, with the patient's query parameter where the route reads one. */
  url: string;
  /**
   * `absent`: an id of nothing asked by a role the route admits, answered 404 for every such role — the same answer
   * whoever asks, where a role the route does not admit is refused (401/403) before anything is looked up, so the
   * answer tells no caller whether the id exists.
   */
  expected: 'permit' | 'deny' | 'absent';
  /** Why, from the policy table. */
  why: string;
}>;

/** The routes that declare no policy (neither `@Access` nor `@Public()`): the matrix cannot be built for them. */
export class UndeclaredPolicyError extends Error {
  constructor(readonly routes: readonly string[]) {
    super(`routes with no declared policy (add @Access(category, action, { patient }), docs/api/sharing.md): ${routes.join('; ')}`);
  }
}

/**
 * The routes that take a person Varde has never seen onto a care team — the one the request names, here the
 * caller's: for them the `unknown` patient is decided as a patient of that team (a clinician may enrol a new person
 * into their own team), not as a patient of no team.
 */
const ROUTES_ENROLLING_NEW_PATIENTS: ReadonlySet<string> = new Set(['pathways POST /api/enrolments']);

/** Any id a route parameter other than the patient's takes: well-formed, of nothing that exists. */
export const SOME_ID = '6c1f8c1e-0000-4000-8000-000000000000';

/** The principal a role's token in the matrix carries (the test issuer's tokens are made from the same facts). */
export function matrixPrincipal(role: Role, patients: MatrixPatients): Principal {
  const base = { subject: `matrix-${role}`, role, careTeams: [] as string[], scopes: scopesOfRole(role) };
  switch (role) {
    case 'patient':
      return { ...base, patientId: patients.own };
    case 'guardian':
      return { ...base, patientIds: [patients.own] };
    case 'clinician':
      return { ...base, careTeams: [patients.careTeam] };
    case 'auditor':
    case 'system':
    case 'pathway-designer':
      return base;
    default: {
      const _exhaustive: never = role;
      return _exhaustive;
    }
  }
}

const patientOf = (patients: MatrixPatients, which: PatientCase): { id: string; careTeamId?: string } =>
  which === 'own' ? { id: patients.own, careTeamId: patients.careTeam } : which === 'other-team' ? { id: patients.otherTeam, careTeamId: patients.otherCareTeam } : { id: patients.unknown };

/**
 * The route's path with its parameters filled: the patient's with `patientId`, a care team with the caller's (a
 * clinician's own team), a triage rule with one of the COPD rule set the patients are triaged by, a version with the
 * first, the others with a well-formed id of nothing.
 */
function concrete(path: string, patientParam: string | undefined, patientId: string, careTeam: string): string {
  return path.replace(/:([A-Za-z]+)/g, (_match, name: string) => (name === patientParam ? patientId : name === 'careTeamId' ? careTeam : name === 'ruleId' ? 'spo2-low' : name === 'version' ? '1' : SOME_ID));
}

/**
 * The matrix *route × role × own patient / patient of another care team / unknown patient* for every route given,
 * each cell with the answer of the one policy table (libs/auth `decideAccess`, `rolesAllowed`): a role the route does
 * not admit (`@Roles`, or no row of the table for its category and action) is denied everywhere; where the route names
 * the patient (`@Access(…, { patient: { param | query } | 'body' })`) the table decides per patient (the request then
 * carries the patient in its path, query or body); where the patient is the subject of a stored resource the path names
 * (`'resource'`) the table decides for a resource of the own and of the other team's patient, and an id of nothing is
 * `absent` (404) for every admitted role; other routes (lists of what the caller may see) are decided for the role.
 * Throws {@link UndeclaredPolicyError} for a route with no declared policy; public routes have no cells.
 */
export function buildAccessMatrix(routes: readonly Route[], patients: MatrixPatients): MatrixCell[] {
  const undeclared = routes.filter((r) => r.access === undefined && !r.public).map((r) => `${r.service} ${r.route}`);
  if (undeclared.length > 0) throw new UndeclaredPolicyError(undeclared);
  const cells: MatrixCell[] = [];
  for (const { service, route, access, roles } of routes) {
    if (access === undefined) continue;
    const [method, path] = route.split(' ') as [string, string];
    const locator = access.patient;
    const names = typeof locator === 'object' || locator === 'body';
    const stored = locator === 'resource';
    const enrolsNew = ROUTES_ENROLLING_NEW_PATIENTS.has(`${service} ${route}`);
    const patientParam = typeof locator === 'object' && 'param' in locator ? locator.param : undefined;
    const patientQuery = typeof locator === 'object' && 'query' in locator ? locator.query : undefined;
    // A patient in a query is a FHIR reference (`Patient/<id>`), which every search taking one accepts.
    const url = (patientId: string) => `${concrete(path, patientParam, patientId, patients.careTeam)}${patientQuery ? `?${patientQuery}=Patient/${patientId}` : ''}`;
    for (const role of ROLES) {
      const admitted = (roles ?? ROLES).includes(role) && rolesAllowed(access.category, access.action).includes(role);
      const principal = matrixPrincipal(role, patients);
      const cases: readonly (PatientCase | undefined)[] = names || stored ? ['own', 'other-team', 'unknown'] : [undefined];
      for (const which of cases) {
        const patient = which === undefined ? undefined : which === 'unknown' && enrolsNew ? { id: patients.unknown, careTeamId: patients.careTeam } : patientOf(patients, which);
        const base = { service, route, role, method, url: url(patient?.id ?? patients.own), ...(which ? { patient: which } : {}), ...(stored ? { storedResource: true as const } : {}) };
        if (!admitted) {
          cells.push({ ...base, expected: 'deny', why: `the route admits no ${role} (${access.action} ${access.category})` });
          continue;
        }
        if (stored && which === 'unknown') {
          cells.push({ ...base, expected: 'absent', why: `no such resource: 404 for every role the route admits, so the id tells nothing` });
          continue;
        }
        if (patient === undefined) {
          cells.push({ ...base, expected: 'permit', why: `a ${role} may ${access.action} ${access.category}` });
          continue;
        }
        const decision = decideAccess(principal, { category: access.category, action: access.action, patient });
        cells.push({ ...base, expected: decision.decision, why: `${decision.relation}: ${decision.reason}` });
      }
    }
  }
  return cells;
}
