import { randomUUID } from 'node:crypto';
import { freshSchema, startServiceProcess, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const databaseUrl = inject('databaseUrl');
let issuer: TestIssuer;
let sharing: ServiceProcess;

beforeAll(async () => {
  issuer = await startTestIssuer();
  // Small limits, so the test reaches them with a handful of requests (the defaults are 6 000 and 60 000 a minute).
  sharing = await startServiceProcess('sharing', { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, DB_SCHEMA: freshSchema('sharing_limits'), RATE_LIMIT_PER_TOKEN_PER_MINUTE: '5', RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '8' });
});

afterAll(async () => {
  await sharing?.stop();
  await issuer?.close();
});

describe('rate limits (per token and per address, 429 with Retry-After)', () => {
  it('stops a token past its limit, then the address past its own, and never the health probes', async () => {
    const patientId = randomUUID();
    const read = async (token: string) => fetch(`${sharing.url}/api/patients/${patientId}/access-log`, { headers: { authorization: `Bearer ${token}` } });
    const first = await issuer.token('patient', { patientId });
    for (let i = 0; i < 5; i++) expect((await read(first)).status).toBe(200);
    const limited = await read(first);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too many requests', detail: expect.stringContaining('rate limit of 5 requests a minute per token exceeded') });

    // Another token from the same address goes on, until the address has made 8 requests.
    const second = await issuer.token('patient', { patientId });
    for (let i = 0; i < 3; i++) expect((await read(second)).status).toBe(200);
    const byAddress = await read(second);
    expect(byAddress.status).toBe(429);
    expect(await byAddress.text()).toContain('per address');

    expect((await fetch(`${sharing.url}/health/ready`)).status).toBe(200);
  });
});
