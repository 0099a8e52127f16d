import { rolesAllowed, scopeFor } from '@varde/auth';
import { describe, expect, it } from 'vitest';
import { SERVICE_ROUTES as ROUTES } from './service-routes';

// The HTTP routes each service registers (./service-routes.ts reads them from the controllers its root module really
// mounts), each checked against the one policy table.
describe('every route the services register declares its access policy', () => {
  it('finds the routes (the scan itself works)', () => {
    expect(ROUTES.length).toBeGreaterThan(20);
    expect(ROUTES.map((r) => `${r.service} ${r.route}`)).toContain('forms POST /fhir/QuestionnaireResponse');
  });

  it('has @Access or @Public on every HTTP route (a new route without a declared policy fails here)', () => {
    const undeclared = ROUTES.filter((r) => r.access === undefined && !r.public).map((r) => `${r.service} ${r.route}`);
    expect(undeclared, 'routes with no declared policy: add @Access(category, action, { patient }) (docs/api/sharing.md)').toEqual([]);
  });

  it('declares for every route a scope and a category that some row of the policy table grants', () => {
    for (const { service, route, access } of ROUTES) {
      if (!access) continue;
      expect(rolesAllowed(access.category, access.action).length, `${service} ${route}: no role may ${access.action} ${access.category}`).toBeGreaterThan(0);
      expect(access.scope, `${service} ${route}: a scope of the catalogue`).toBe(scopeFor(access.category, access.action));
    }
  });

  it('admits through @Roles no role the policy table refuses for the route (the table is the authority)', () => {
    for (const { service, route, access, roles } of ROUTES) {
      if (!access || !roles) continue;
      const allowed = rolesAllowed(access.category, access.action);
      expect(roles.filter((role) => !allowed.includes(role)), `${service} ${route}: @Roles beyond what the table grants for ${access.action} ${access.category}`).toEqual([]);
    }
  });
});
