import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnauthorizedError, UnavailableError } from '@varde/core';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDevIssuer, type DevIssuer } from '../../../deploy/local/dev-issuer/dev-issuer';
import { loadOrCreateDevKeys } from '../../../deploy/local/dev-issuer/dev-keys';
import { mintDevToken, type DevTokenOptions } from '../../../deploy/local/dev-issuer/mint-token';
import { JoseTokenVerifier } from './token-verifier';

describe('JoseTokenVerifier against the running dev issuer', () => {
  let keysDir: string;
  let issuer: DevIssuer;
  let verifier: JoseTokenVerifier;
  const mint = (options: Partial<DevTokenOptions> = {}): Promise<string> =>
    mintDevToken({ role: 'clinician', issuer: issuer.url, audience: 'varde', keysDir, ...options });

  beforeAll(async () => {
    keysDir = await mkdtemp(join(tmpdir(), 'varde-dev-issuer-'));
    issuer = await startDevIssuer({ port: 0, keysDir });
    verifier = new JoseTokenVerifier({ issuer: issuer.url, audience: 'varde', jwksUrl: `${issuer.url}/jwks` });
  });

  afterAll(async () => {
    await issuer.close();
    await rm(keysDir, { recursive: true, force: true });
  });

  it('publishes a discovery document that points at its JWKS, with public keys only', async () => {
    const discovery = (await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks`, token_endpoint: `${issuer.url}/token` });
    const jwks = (await (await fetch(`${issuer.url}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('turns a valid clinician token into a principal with the role default scopes', async () => {
    const principal = await verifier.verify(`Bearer ${await mint()}`);
    expect(principal).toMatchObject({ subject: 'dev-clinician', role: 'clinician', organisation: '999999999', clientId: 'varde-dev' });
    expect(principal.scopes).toContain('varde/triage.read');
    // The COPD pathway's default team, so dev clinicians see the patients enrolled without naming a team.
    expect(principal.careTeams).toEqual(['copd-care-team']);
  });

  it("gives a clinician the care teams asked for at POST /token ('team', comma-separated) and refuses them on other roles", async () => {
    const token = async (fields: Record<string, string>) =>
      fetch(`${issuer.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
    const response = await token({ role: 'clinician', team: 'lungepoliklinikken-ahus,copd-care-team' });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    expect((await verifier.verify(`Bearer ${access_token}`)).careTeams).toEqual(['lungepoliklinikken-ahus', 'copd-care-team']);
    expect(await (await token({ role: 'auditor', team: 'copd-care-team' })).json()).toEqual({ error: 'invalid_request', error_description: 'team: only clinician tokens carry care teams, not auditor' });
    expect((await token({ role: 'clinician', team: 'Lunge AHUS' })).status).toBe(400);
  });

  it('verifies a patient token fetched from POST /token (form-encoded, as an OAuth client sends it)', async () => {
    const response = await fetch(`${issuer.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', role: 'patient', patient: 'pat-7', ttl: '60' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
    expect(await verifier.verify(`Bearer ${body.access_token}`)).toMatchObject({ role: 'patient', patientId: 'pat-7' });
  });

  it('answers a bad token request with an OAuth error that says what to fix', async () => {
    const response = await fetch(`${issuer.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'patient' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'patient: a patient token needs exactly one patient id' });
  });

  it.each([
    ['no header', undefined, 'missing bearer token'],
    ['an empty header', '', 'missing bearer token'],
    ['a Basic header', 'Basic dXNlcjpwYXNz', 'malformed Authorization header'],
    ['garbage', 'Bearer not-a-jwt', 'not a well-formed signed JWT'],
  ])('refuses %s', async (_case, header, message) => {
    const attempt = verifier.verify(header);
    await expect(attempt).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('refuses an expired token and says when it expired', async () => {
    const token = await mint({ issuedAt: new Date(Date.now() - 2 * 3600_000), ttlSeconds: 3600 });
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/^token expired at \d{4}-/);
  });

  it('refuses a token for another audience, naming both', async () => {
    const token = await mint({ audience: 'some-other-api' });
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(new UnauthorizedError('token audience "some-other-api" does not include "varde"'));
  });

  it('refuses a token from another issuer, naming both', async () => {
    const token = await mint({ issuer: 'https://helseid-sts.nhn.no' });
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(
      new UnauthorizedError(`token issuer "https://helseid-sts.nhn.no" is not the trusted issuer "${issuer.url}"`),
    );
  });

  describe('a token signed by a key the issuer did not publish', () => {
    const forge = async (kid: string): Promise<string> => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ varde_role: 'clinician' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject('mallory')
        .setIssuer(issuer.url)
        .setAudience('varde')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    };

    it('is refused when it reuses the real kid', async () => {
      const { kid } = await loadOrCreateDevKeys(keysDir);
      await expect(verifier.verify(`Bearer ${await forge(kid)}`)).rejects.toThrow(
        new UnauthorizedError("token signature does not verify against the issuer's keys"),
      );
    });

    it('is refused when it names an unknown kid', async () => {
      await expect(verifier.verify(`Bearer ${await forge('attacker-key')}`)).rejects.toThrow(
        new UnauthorizedError('token is signed with a key the issuer does not publish (unknown kid)'),
      );
    });
  });

  describe('forged and badly made tokens (each refused with a message that says what is wrong)', () => {
    const header = (token: string) => `Bearer ${token}`;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = () => ({ sub: 'mallory', varde_role: 'clinician', iss: issuer.url, aud: 'varde', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 });

    it("refuses alg 'none' (an unsigned token)", async () => {
      const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`;
      await expect(verifier.verify(header(token))).rejects.toThrow(UnauthorizedError);
    });

    it("refuses HS256 signed with the issuer's public key as the HMAC secret", async () => {
      const jwks = (await (await fetch(`${issuer.url}/jwks`)).json()) as { keys: [{ kid: string }] };
      const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0].kid }).sign(secret);
      await expect(verifier.verify(header(token))).rejects.toThrow('token signature algorithm is not accepted (accepted: RS256, ES256, PS256)');
    });

    it('refuses a token without exp', async () => {
      const { privateKey, kid } = await loadOrCreateDevKeys(keysDir);
      const { exp: _exp, ...withoutExp } = claims();
      const token = await new SignJWT(withoutExp).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
      await expect(verifier.verify(header(token))).rejects.toThrow(/'exp'/);
    });

    it('refuses a token living ten years, naming its lifetime and the maximum', async () => {
      const token = await mint({ ttlSeconds: 10 * 365 * 86_400 });
      await expect(verifier.verify(header(token))).rejects.toThrow(/^token lifetime of 315360000 s is longer than the 43200 s accepted/);
    });

    it('refuses a lifetime over a configured maximum and accepts one within it', async () => {
      const strict = new JoseTokenVerifier({ issuer: issuer.url, audience: 'varde', jwksUrl: `${issuer.url}/jwks`, maxLifetimeSeconds: 300 });
      await expect(strict.verify(header(await mint({ ttlSeconds: 3600 })))).rejects.toThrow('is longer than the 300 s accepted');
      expect(await strict.verify(header(await mint({ ttlSeconds: 300 })))).toMatchObject({ role: 'clinician' });
    });

    it('refuses a token issued a year in the future', async () => {
      const { privateKey, kid } = await loadOrCreateDevKeys(keysDir);
      const iat = Math.floor(Date.now() / 1000) + 365 * 86_400;
      const token = await new SignJWT({ ...claims(), iat, exp: iat + 600 }).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
      await expect(verifier.verify(header(token))).rejects.toThrow(/^token is issued in the future \(iat /);
    });
  });

  it('refuses a valid signature over an unknown role', async () => {
    const { privateKey, kid } = await loadOrCreateDevKeys(keysDir);
    const token = await new SignJWT({ varde_role: 'superuser' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('dev-superuser')
      .setIssuer(issuer.url)
      .setAudience('varde')
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(new UnauthorizedError('token role "superuser" is not a Varde role'));
  });

  it('reports an unreachable JWKS as the service being unavailable, not the caller being unauthorised', async () => {
    const closed = await startDevIssuer({ port: 0, keysDir });
    await closed.close();
    const orphan = new JoseTokenVerifier({ issuer: issuer.url, audience: 'varde', jwksUrl: `${closed.url}/jwks` });
    const attempt = orphan.verify(`Bearer ${await mint()}`);
    await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    await expect(attempt).rejects.toThrow(`could not load the token issuer's signing keys from ${closed.url}/jwks`);
  });

  it('checks the signature of a token once, trusts it again for at most a minute, and never past its expiry', async () => {
    let now = Date.now();
    const remembering = new JoseTokenVerifier({ issuer: issuer.url, audience: 'varde', jwksUrl: `${issuer.url}/jwks` }, () => now);
    const signatureChecks = vi.spyOn(remembering as unknown as { verifySignedToken: () => Promise<unknown> }, 'verifySignedToken');
    const longLived = `Bearer ${await mint({ role: 'patient', patientId: 'pat-9', ttlSeconds: 3600 })}`;
    expect(await remembering.verify(longLived)).toMatchObject({ role: 'patient', patientId: 'pat-9' });
    expect(await remembering.verify(longLived)).toMatchObject({ role: 'patient', patientId: 'pat-9' });
    expect(signatureChecks).toHaveBeenCalledTimes(1);
    now += 61_000;
    await remembering.verify(longLived);
    expect(signatureChecks).toHaveBeenCalledTimes(2);
    // Expiring in 20 s: remembered until then, checked again after.
    const shortLived = `Bearer ${await mint({ ttlSeconds: 20 })}`;
    now = Date.now();
    await remembering.verify(shortLived);
    now += 19_000;
    await remembering.verify(shortLived);
    expect(signatureChecks).toHaveBeenCalledTimes(3);
    now += 2_000;
    await remembering.verify(shortLived);
    expect(signatureChecks).toHaveBeenCalledTimes(4);
    // A refused token is never remembered: every attempt is refused.
    await expect(remembering.verify('Bearer not-a-jwt')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(remembering.verify('Bearer not-a-jwt')).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
