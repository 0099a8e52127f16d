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
    expect(routeFor('/api/unknown')).toBeUndefined();
    expect(routeFor('/fhir/ObservationX')).toBeUndefined();
  });

  it('is the same table as the Kubernetes ingress', () => {
    const yaml = readFileSync(join(__dirname, 'kubernetes', 'ingress.yaml'), 'utf8');
    const ingress = [...yaml.matchAll(/- path: (\S+)\s+pathType: Prefix\s+backend: \{ service: \{ name: varde-(\w+)/g)].map((m) => ({ prefix: m[1], service: m[2] }));
    expect(ingress).toEqual(ROUTES.map(({ prefix, service }) => ({ prefix, service })));
  });
});
