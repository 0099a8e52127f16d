import { freshSchema, startServiceProcess, type ServiceProcess } from '@varde/testing';
import type { OpenAPIObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Each service serves an OpenAPI 3.1 document generated from its controllers at /openapi.json: every
// operation described (from the route's TSDoc), the bearer scheme, the error shapes, FHIR operations pointing
// to the CapabilityStatement. Measurements (FHIR and REST) and triage (REST) as they run in production.
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
let measurements: ServiceProcess;
let triage: ServiceProcess;
const documents: Record<string, OpenAPIObject> = {};

const operations = (document: OpenAPIObject) =>
  Object.entries(document.paths).flatMap(([path, item]) => METHODS.flatMap((method) => (item[method] ? [{ path, method, operation: item[method]! }] : [])));

beforeAll(async () => {
  const env = { DATABASE_URL: inject('databaseUrl'), PUBLIC_BASE_URL: 'https://varde.hospital.example' };
  triage = await startServiceProcess('triage', { ...env, DB_SCHEMA: freshSchema('triage') });
  // Measurements also serves the merged document of itself and its peers, as the public base URL does.
  measurements = await startServiceProcess('measurements', { ...env, DB_SCHEMA: freshSchema('measurements'), OPENAPI_PEERS: triage.url });
  for (const [name, service] of Object.entries({ measurements, triage })) {
    const response = await fetch(`${service.url}/openapi.json`);
    expect(response.status).toBe(200);
    documents[name] = (await response.json()) as OpenAPIObject;
  }
});

afterAll(async () => {
  await Promise.all([measurements?.stop(), triage?.stop()]);
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of the service with every operation described', () => {
    for (const document of Object.values(documents)) {
      expect(document.openapi).toBe('3.1.0');
      expect(document.servers).toEqual([{ url: 'https://varde.hospital.example' }]);
      const undescribed = operations(document).filter(({ operation }) => !operation.summary || !operation.description);
      expect(undescribed.map(({ method, path }) => `${method.toUpperCase()} ${path}`)).toEqual([]);
    }
    const worklist = documents['triage']!.paths['/api/worklist']!.get!;
    expect(worklist.summary).toMatch(/red → yellow → green/);
  });

  it('names the bearer scheme on every API operation, and none on health and metrics', () => {
    for (const document of Object.values(documents)) {
      expect(document.components!.securitySchemes!['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
      for (const { path, operation } of operations(document)) {
        expect(operation.security, path).toEqual(path.startsWith('/health') || path === '/metrics' ? [] : [{ bearer: [] }]);
      }
    }
  });

  it('gives the error shapes: problem details for REST, OperationOutcome and the CapabilityStatement for FHIR', () => {
    const observation = documents['measurements']!.paths['/fhir/Observation']!.post!;
    expect(observation.responses['400']).toMatchObject({ content: { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } } });
    expect(observation.externalDocs).toEqual({ description: expect.stringContaining('CapabilityStatement'), url: 'https://varde.hospital.example/fhir/metadata' });
    const acknowledge = Object.entries(documents['triage']!.paths).find(([path]) => path.endsWith('/acknowledge'))![1].post!;
    expect(acknowledge.responses['403']).toMatchObject({ content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
    expect(documents['triage']!.components!.schemas!['Problem']).toMatchObject({ required: ['type', 'title', 'status', 'detail'] });
  });

  it('merges into one document for the public base URL, without the services\' own health and metrics', async () => {
    const response = await fetch(`${measurements.url}/openapi/merged.json`);
    expect(response.status).toBe(200);
    const merged = (await response.json()) as OpenAPIObject;
    expect(merged.info.title).toBe('Varde');
    expect(Object.keys(merged.paths)).toEqual(expect.arrayContaining(['/fhir/Observation', '/api/worklist']));
    expect(Object.keys(merged.paths).filter((p) => p.startsWith('/health') || p === '/metrics')).toEqual([]);
  });
});
