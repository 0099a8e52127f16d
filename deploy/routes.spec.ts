import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES, routeFor } from './routes';

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
    expect(routeFor('/api/unknown')).toBeUndefined();
    expect(routeFor('/fhir/ObservationX')).toBeUndefined();
    expect(routeFor('/fhir')).toBe('measurements');
    expect(routeFor('/fhir/')).toBe('measurements');
    expect(routeFor('/fhir?_format=json')).toBe('measurements');
    expect(routeFor('/fhir/Patient')).toBeUndefined();
  });

  it('is the same table as the Kubernetes ingress', () => {
    const yaml = readFileSync(join(__dirname, 'kubernetes', 'ingress.yaml'), 'utf8');
    // A prefix (Prefix/Exact) or an nginx regex (ImplementationSpecific) per route; the order of the YAML does not matter.
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    const ingress = [...yaml.matchAll(/- path: (\S+)\s+pathType: (Prefix|Exact|ImplementationSpecific)\s+backend: \{ service: \{ name: varde-(\w+)/g)]
      .map((m) => ({ path: m[1]!, regex: m[2] === 'ImplementationSpecific', service: m[3] }))
      .sort(byPath);
    expect(ingress).toEqual(ROUTES.map((r) => ({ path: r.ingressPath ?? r.prefix, regex: r.ingressPath !== undefined, service: r.service })).sort(byPath));
    // nginx reads those paths as regexes only with use-regex on the Ingress that holds them.
    for (const document of yaml.split(/^---$/m).filter((d) => d.includes('ImplementationSpecific'))) {
      expect(document).toContain('nginx.ingress.kubernetes.io/use-regex: "true"');
    }
  });
});
