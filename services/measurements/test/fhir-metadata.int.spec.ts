import { freePort, startServiceStack, startTestIssuer, type ServiceProcess, type ServiceStack, type TestIssuer } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// A statement is compared resource by resource; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let issuer: TestIssuer;
let stack: ServiceStack;
let forms: ServiceProcess;
let measurements: ServiceProcess;

beforeAll(async () => {
  issuer = await startTestIssuer();
  const sharingNowhere = `127.0.0.1:${await freePort()}`;
  stack = await startServiceStack(
    ['pathways', 'forms', 'measurements'],
    { DATABASE_URL: inject('databaseUrl'), OIDC_ISSUER: issuer.url },
    {
      // No sharing in this stack: forms is given an address where nothing answers (the statement never asks it).
      forms: { SHARING_GRPC_URL: sharingNowhere },
      // The other services, as the platform gives every service (OPENAPI_PEERS).
      measurements: (at) => ({ OPENAPI_PEERS: [at.pathways!.url, at.forms!.url].join(',') }),
    },
  );
  forms = stack.services.forms!;
  measurements = stack.services.measurements!;
});

afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

describe('the CapabilityStatement of the FHIR base covers forms too', () => {
  it("lists forms' Questionnaire and QuestionnaireResponse with their interactions and search parameters, beside Observation", async () => {
    const response = await fetch(`${measurements.url}/fhir/metadata`);
    expect(response.status).toBe(200);
    const statement = (await response.json()) as Json;
    const resources = statement.rest[0].resource as Json[];
    expect(resources.map((r) => r.type)).toEqual(['Observation', 'Questionnaire', 'QuestionnaireResponse']);
    const questionnaire = resources.find((r) => r.type === 'Questionnaire')!;
    expect(questionnaire.interaction.map((i: Json) => i.code).sort()).toEqual(['create', 'read', 'search-type', 'update']);
    expect(questionnaire.searchParam.map((p: Json) => p.name)).toEqual(['url', 'version', 'status', 'name', 'subject']);
    const response_ = resources.find((r) => r.type === 'QuestionnaireResponse')!;
    expect(response_.interaction.map((i: Json) => i.code).sort()).toEqual(['create', 'history-instance', 'read', 'search-type', 'update', 'vread']);
    expect(response_.searchParam.map((p: Json) => p.name)).toEqual(['subject', 'questionnaire', 'status', 'authored']);
    // Forms describes itself the same way at its own (unrouted) /fhir/metadata.
    const own = (await (await fetch(`${forms.url}/fhir/metadata`)).json()) as Json;
    expect(own.rest[0].resource.map((r: Json) => r.type)).toEqual(['Questionnaire', 'QuestionnaireResponse']);
  });

  it('answers every forms interaction it lists at its route (no 404 or 405)', async () => {
    const token = await issuer.token('pathway-designer');
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${forms.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/fhir+json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const probes: Record<string, () => Promise<Response>> = {
      'Questionnaire create': () => call('POST', '/fhir/Questionnaire', { resourceType: 'Questionnaire', status: 'draft' }),
      'Questionnaire read': () => call('GET', '/fhir/Questionnaire/cat'),
      'Questionnaire search-type': () => call('GET', '/fhir/Questionnaire?status=active'),
      'Questionnaire update': () => call('PUT', '/fhir/Questionnaire/x', { resourceType: 'Questionnaire', status: 'draft' }),
      'QuestionnaireResponse create': () => call('POST', '/fhir/QuestionnaireResponse', { resourceType: 'QuestionnaireResponse', status: 'completed' }),
      'QuestionnaireResponse read': () => call('GET', '/fhir/QuestionnaireResponse/00000000-0000-4000-8000-000000000000'),
      'QuestionnaireResponse update': () => call('PUT', '/fhir/QuestionnaireResponse/00000000-0000-4000-8000-000000000000', { resourceType: 'QuestionnaireResponse', status: 'completed' }),
      'QuestionnaireResponse history-instance': () => call('GET', '/fhir/QuestionnaireResponse/00000000-0000-4000-8000-000000000000/_history'),
      'QuestionnaireResponse vread': () => call('GET', '/fhir/QuestionnaireResponse/00000000-0000-4000-8000-000000000000/_history/1'),
    };
    for (const [name, probe] of Object.entries(probes)) {
      const status = (await probe()).status;
      expect([404, 405], `${name} answered ${status}`).not.toContain(status);
    }
  });
});
