import { describe, expect, it } from 'vitest';
import { routeFor } from '../../deploy/routes';
import { SERVICE_ROUTES } from './service-routes';

// Routes served on each service's own port only: probes and metrics for Kubernetes, and each service's own
// CapabilityStatement (the public one, measurements', merges the others').
const INTERNAL = [/^\/health(\/|$)/, /^\/metrics$/, /^\/fhir\/metadata$/];

// A path as a client sends it: each route parameter filled with a value of its kind.
const concrete = (path: string): string => path.replace(/:patientId|:id\b|:[A-Za-z]+Id\b/g, '6c1f8c1e-0000-4000-8000-000000000000').replace(/:[A-Za-z]+/g, 'x');

describe('every route the services register is reachable behind the public base URL', () => {
  it('routes each one to the service that registers it (deploy/routes.ts: the local router and the ingress)', () => {
    const unrouted = SERVICE_ROUTES.flatMap(({ service, route }) => {
      const path = route.split(' ')[1]!;
      if (INTERNAL.some((internal) => internal.test(path))) return [];
      const routed = routeFor(concrete(path));
      return routed === service ? [] : [`${service} ${route} → ${routed ?? 'no service'}`];
    });
    expect(unrouted).toEqual([]);
  });
});
