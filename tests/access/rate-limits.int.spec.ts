import { randomUUID } from 'node:crypto';
import type { Role } from '@varde/core';
import type { ServiceName } from '@varde/platform';
import { startServiceStack, startTestIssuer, type ServiceStack, type TestIssuer } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Issue #16 item 8: every service's public HTTP edge limits each token (RATE_LIMIT_PER_TOKEN_PER_MINUTE, default
// 6 000 a minute, high enough for a device gateway) and answers past it with 429 and Retry-After. One limit for all
// five, set low here so a handful of requests reach it; the per-address limit stays at its default, so only the
// token's is reached (sharing's rate-limits.int.spec.ts reaches the per-address limit).
const databaseUrl = inject('databaseUrl');
const LIMIT = 5;

/** A route of each service a role is answered 200 on, with nothing written first: what the limit is tried on. */
const EDGES: readonly Readonly<{ service: ServiceName; role: Role; path: (patientId: string) => string }>[] = [
  { service: 'forms', role: 'pathway-designer', path: () => '/fhir/Questionnaire' },
  { service: 'measurements', role: 'patient', path: (patientId) => `/fhir/Observation?patient=Patient/${patientId}` },
  { service: 'triage', role: 'pathway-designer', path: () => '/api/rule-sets' },
  { service: 'pathways', role: 'pathway-designer', path: () => '/fhir/PlanDefinition' },
  { service: 'sharing', role: 'pathway-designer', path: () => '/fhir/Organization' },
];

let issuer: TestIssuer;
let stack: ServiceStack;

beforeAll(async () => {
  issuer = await startTestIssuer();
  stack = await startServiceStack(
    EDGES.map((edge) => edge.service),
    { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, RATE_LIMIT_PER_TOKEN_PER_MINUTE: String(LIMIT) },
  );
});

afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

describe('rate limits at every service\'s public HTTP edge (per token, 429 with Retry-After)', () => {
  it.each(EDGES)('$service: a token past its limit gets 429 with Retry-After; another token from the same address goes on', async ({ service, role, path }) => {
    const patientId = randomUUID();
    const tokenOf = (subject: string) => issuer.token(role, { subject, ...(role === 'patient' ? { patientId } : {}) });
    const url = `${stack.services[service]!.url}${path(patientId)}`;
    const get = (token: string) => fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    const token = await tokenOf(`limited-${randomUUID()}`);
    for (let i = 0; i < LIMIT; i++) expect((await get(token)).status, `request ${i + 1} of ${LIMIT}`).toBe(200);

    const limited = await get(token);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(JSON.stringify(await limited.json())).toContain(`rate limit of ${LIMIT} requests a minute per token exceeded`);

    expect((await get(await tokenOf(`unlimited-${randomUUID()}`))).status).toBe(200);
  });
});
