import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BODY_LIMITS, bodyLimitFor, ROUTES, routeFor } from './routes';

describe('public routing', () => {
  it('sends each path to the service that owns it', () => {
    expect(routeFor('/fhir/Observation')).toBe('measurements');
    expect(routeFor('/fhir/Observation/123')).toBe('measurements');
    expect(routeFor('/fhir/Questionnaire')).toBe('forms');
    expect(routeFor('/fhir/Questionnaire/cat')).toBe('forms');
    expect(routeFor('/fhir/QuestionnaireResponse')).toBe('forms');
    expect(routeFor('/api/enrolments')).toBe('pathways');
    expect(routeFor('/api/worklist')).toBe('triage');
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/access-log')).toBe('sharing');
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/access-log?limit=5')).toBe('sharing');
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/measurements/series?code=2708-6')).toBe('measurements');
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/measurementsX')).toBeUndefined();
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/device-gateways/gateway-7')).toBe('measurements');
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/device-gatewaysX')).toBeUndefined();
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000')).toBeUndefined();
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/triage')).toBe('triage');
    expect(routeFor('/api/audit/patients/6c1f8c1e-0000-4000-8000-000000000000/timeline')).toBe('sharing');
    expect(routeFor('/fhir/AuditEvent?patient=Patient/6c1f8c1e-0000-4000-8000-000000000000')).toBe('sharing');
    expect(routeFor('/fhir/Consent?patient=Patient/6c1f8c1e-0000-4000-8000-000000000000')).toBe('sharing');
    expect(routeFor('/fhir/RelatedPerson/6c1f8c1e-0000-4000-8000-000000000000')).toBe('sharing');
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/emergency-access')).toBe('sharing');
    expect(routeFor('/api/patients/6c1f8c1e-0000-4000-8000-000000000000/emergency-accessX')).toBeUndefined();
    expect(routeFor('/api/care-teams/copd-care-team/emergency-accesses?limit=10')).toBe('sharing');
    expect(routeFor('/fhir/Provenance?target=RiskAssessment/6c1f8c1e-0000-4000-8000-000000000000')).toBe('sharing');
    expect(routeFor('/api/figures?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z')).toBe('sharing');
    expect(routeFor('/api/unknown')).toBeUndefined();
    expect(routeFor('/fhir/ObservationX')).toBeUndefined();
    expect(routeFor('/fhir')).toBe('measurements');
    expect(routeFor('/fhir/')).toBe('measurements');
    expect(routeFor('/fhir?_format=json')).toBe('measurements');
    expect(routeFor('/fhir/Patient')).toBeUndefined();
  });

  it('is the same table as the Helm chart\'s ingress', () => {
    const chartRoutes = parse(readFileSync(join(__dirname, 'helm', 'varde', 'files', 'routes.yaml'), 'utf8')) as { path: string; service: string; regex?: boolean; exact?: boolean }[];
    // A prefix (Prefix/Exact) or an nginx regex (ImplementationSpecific) per route; the order does not matter.
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    const ingress = chartRoutes.map((r) => ({ path: r.path, regex: r.regex === true, service: r.service })).sort(byPath);
    expect(ingress).toEqual(ROUTES.map((r) => ({ path: r.ingressPath ?? r.prefix, regex: r.ingressPath !== undefined, service: r.service })).sort(byPath));
    // The one route the router matches exactly (FHIR Bundles on the base) is an Exact path on the ingress.
    expect(chartRoutes.filter((r) => r.exact).map((r) => r.path)).toEqual(ROUTES.filter((r) => r.pattern && !r.ingressPath).map((r) => r.prefix));
    // …and the one with the Bundle body limit, on the router as on its own Ingress.
    expect(chartRoutes.filter((r) => r.exact).map((r) => r.path)).toEqual(ROUTES.filter((r) => r.bundleBodies).map((r) => r.prefix));
  });

  it('has the body limits of the Helm chart\'s ingress: 8 MiB for Bundles on the base, 1 MiB elsewhere', () => {
    const ingress = (parse(readFileSync(join(__dirname, 'helm', 'varde', 'values.yaml'), 'utf8')) as { ingress: { bodyLimit: string; bundleBodyLimit: string } }).ingress;
    const bytes = (size: string): number => Number(/^(\d+)m$/.exec(size)![1]) * 1024 * 1024;
    expect({ default: bytes(ingress.bodyLimit), bundles: bytes(ingress.bundleBodyLimit) }).toEqual(BODY_LIMITS);
    expect(bodyLimitFor('/fhir')).toBe(BODY_LIMITS.bundles);
    expect(bodyLimitFor('/fhir/Observation')).toBe(BODY_LIMITS.default);
  });
});
