import { describe, expect, it } from 'vitest';
import { buildAccessMatrix, UndeclaredPolicyError, type MatrixPatients } from './access-matrix';
import { REQUESTS, RUN_LAST } from './matrix-requests';
import { SERVICE_ROUTES, type Route } from './service-routes';
import { storedKindOf } from './stored-resources';

const PATIENTS: MatrixPatients = { careTeam: 'copd-care-team', own: 'own-id', otherTeam: 'other-id', otherCareTeam: 'hjertesvikt-ous', unknown: 'unknown-id' };
const triageOfPatient: Route = {
  service: 'triage',
  route: 'GET /api/patients/:patientId/triage',
  operationId: 'PatientTriageHttpController.get',
  access: { category: 'triage', action: 'read', patient: { param: 'patientId' }, scope: 'varde/triage.read' },
  roles: ['clinician', 'auditor', 'patient', 'guardian'],
  public: false,
  takesBody: false,
};

describe('the access matrix builder', () => {
  it('refuses a route with no declared policy, naming it (a new route without @Access fails the suite)', () => {
    const undeclared: Route = { service: 'forms', route: 'GET /api/patients/:patientId/secrets', operationId: 'SecretsController.get', public: false, takesBody: false };
    expect(() => buildAccessMatrix([triageOfPatient, undeclared], PATIENTS)).toThrow(UndeclaredPolicyError);
    expect(() => buildAccessMatrix([undeclared], PATIENTS)).toThrow(/forms GET \/api\/patients\/:patientId\/secrets/);
  });

  it('gives a route naming its patient one cell per role and kind of patient, answered by the policy table', () => {
    const cells = buildAccessMatrix([triageOfPatient], PATIENTS);
    expect(cells).toHaveLength(6 * 3);
    const answer = (role: string, patient: string) => cells.find((c) => c.role === role && c.patient === patient)?.expected;
    expect(['own', 'other-team', 'unknown'].map((p) => answer('clinician', p))).toEqual(['permit', 'deny', 'deny']);
    expect(['own', 'other-team', 'unknown'].map((p) => answer('patient', p))).toEqual(['permit', 'deny', 'deny']);
    expect(['own', 'other-team', 'unknown'].map((p) => answer('guardian', p))).toEqual(['permit', 'deny', 'deny']);
    expect(['own', 'other-team', 'unknown'].map((p) => answer('auditor', p))).toEqual(['permit', 'permit', 'permit']);
    // Not admitted by the route (@Roles) or by the table for triage data: denied whoever the patient is.
    expect(cells.filter((c) => c.role === 'pathway-designer' || c.role === 'system').every((c) => c.expected === 'deny')).toBe(true);
    expect(cells.find((c) => c.role === 'clinician' && c.patient === 'other-team')?.url).toBe('/api/patients/other-id/triage');
  });

  it('gives a route with its patient in the body the three kinds of patient too; a new person joins the team of an enrolment', () => {
    const enrol: Route = { service: 'pathways', route: 'POST /api/enrolments', operationId: 'EnrolmentsHttpController.create', access: { category: 'enrolments', action: 'write', patient: 'body', scope: 'varde/enrolments.write' }, roles: ['clinician', 'system'], public: false, takesBody: true };
    const cells = buildAccessMatrix([enrol], PATIENTS);
    expect(cells).toHaveLength(6 * 3);
    const answer = (role: string, patient: string) => cells.find((c) => c.role === role && c.patient === patient)?.expected;
    expect(['own', 'other-team', 'unknown'].map((p) => answer('clinician', p))).toEqual(['permit', 'deny', 'permit']);
    expect(['own', 'other-team', 'unknown'].map((p) => answer('system', p))).toEqual(['permit', 'permit', 'permit']);
    expect(['own', 'other-team', 'unknown'].map((p) => answer('patient', p))).toEqual(['deny', 'deny', 'deny']);
  });

  it('gives a route naming a stored resource the three kinds of patient: the table decides the resource of each, an unknown id is 404 to every role admitted', () => {
    const alert: Route = { service: 'triage', route: 'GET /api/alerts/:alertId', operationId: 'AlertsHttpController.get', access: { category: 'alerts', action: 'read', patient: 'resource', scope: 'varde/alerts.read' }, roles: ['clinician', 'auditor'], public: false, takesBody: false };
    const cells = buildAccessMatrix([alert], PATIENTS);
    expect(cells).toHaveLength(6 * 3);
    expect(cells.every((c) => c.storedResource === true)).toBe(true);
    const answer = (role: string, patient: string) => cells.find((c) => c.role === role && c.patient === patient)?.expected;
    expect(['own', 'other-team', 'unknown'].map((p) => answer('clinician', p))).toEqual(['permit', 'deny', 'absent']);
    expect(['own', 'other-team', 'unknown'].map((p) => answer('auditor', p))).toEqual(['permit', 'permit', 'absent']);
    // A role the route does not admit is refused before anything is looked up: an unknown id tells it nothing either.
    expect(['own', 'other-team', 'unknown'].map((p) => answer('patient', p))).toEqual(['deny', 'deny', 'deny']);
  });

  it('knows, for every route naming a stored resource, which resource of a patient its cells name', () => {
    const withoutResource = SERVICE_ROUTES.filter((r) => r.access?.patient === 'resource' && storedKindOf(r.service, r.route) === undefined).map((r) => `${r.service} ${r.route}`);
    expect(withoutResource, 'routes naming a stored resource with none in tests/access/stored-resources.ts (STORED_UNDER)').toEqual([]);
    expect(SERVICE_ROUTES.filter((r) => r.access?.patient === 'resource').length).toBeGreaterThan(0);
  });

  it('builds for every route the services register', () => {
    const cells = buildAccessMatrix(SERVICE_ROUTES, PATIENTS);
    const declared = SERVICE_ROUTES.filter((r) => r.access !== undefined);
    // Every declared route has a cell for every role.
    for (const route of declared) expect(new Set(cells.filter((c) => c.service === route.service && c.route === route.route).map((c) => c.role)).size, `${route.service} ${route.route}`).toBe(6);
    expect(cells.some((c) => c.patient === 'unknown')).toBe(true);
  });

  it('sends every route that reads a body a request of its own, and names in its requests only routes the services register', () => {
    const key = (r: Route) => `${r.service} ${r.route}`;
    // The scan sees which handlers read a body (`@Body()`).
    expect(SERVICE_ROUTES.filter((r) => r.takesBody).map(key)).toEqual(expect.arrayContaining(['forms POST /fhir/QuestionnaireResponse', 'pathways POST /api/enrolments/:patientId/discharge']));
    expect(SERVICE_ROUTES.filter((r) => r.takesBody).map(key)).not.toContain('sharing POST /api/patients/:patientId/pmd/fetch');
    // Sent no body (or `{}`), a route would refuse the permitted and the denied alike, which proves no denial.
    const withoutRequest = SERVICE_ROUTES.filter((r) => r.access !== undefined && r.takesBody && REQUESTS[key(r)] === undefined).map(key);
    expect(withoutRequest, 'routes reading a body with no request in tests/access/matrix-requests.ts (REQUESTS)').toEqual([]);
    const registered = new Set(SERVICE_ROUTES.map(key));
    expect([...Object.keys(REQUESTS), ...RUN_LAST].filter((route) => !registered.has(route))).toEqual([]);
  });
});
