import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeChallengeOf } from './authorization-code';
import { startDevIssuer, type DevIssuer } from './dev-issuer';

const APP = 'http://localhost:8080/patient/';

describe('dev issuer: authorization code flow with PKCE', () => {
  let issuer: DevIssuer;
  let keysDir: string;

  beforeAll(async () => {
    keysDir = await mkdtemp(join(tmpdir(), 'dev-issuer-'));
    issuer = await startDevIssuer({ port: 0, keysDir });
  });
  afterAll(async () => {
    await issuer.close();
    await rm(keysDir, { recursive: true, force: true });
  });

  const authorizeQuery = (challenge: string, extra: Record<string, string> = {}): URLSearchParams =>
    new URLSearchParams({
      response_type: 'code',
      client_id: 'varde-patient',
      redirect_uri: APP,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'state-1',
      nonce: 'nonce-1',
      scope: 'openid',
      ...extra,
    });

  /** Signs in on the page as `user` and answers the code the issuer redirected back with. */
  const signIn = async (verifier: string, user: Record<string, string>): Promise<string> => {
    const page = await fetch(`${issuer.url}/authorize?${authorizeQuery(codeChallengeOf(verifier))}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<label for="patient">');
    const posted = await fetch(`${issuer.url}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(authorizeQuery(codeChallengeOf(verifier))), ...user }),
    });
    expect(posted.status).toBe(302);
    const location = new URL(posted.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(APP);
    expect(location.searchParams.get('state')).toBe('state-1');
    return location.searchParams.get('code')!;
  };

  const exchange = (code: string, verifier: string, redirectUri = APP): Promise<Response> =>
    fetch(`${issuer.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:8080' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: 'varde-patient', redirect_uri: redirectUri }),
    });

  it('a patient picked on the page gets an access token services accept and an ID token with the nonce', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const patientId = randomUUID();
    const code = await signIn(verifier, { role: 'patient', patient: patientId });

    const response = await exchange(code, verifier);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
    const body = (await response.json()) as { access_token: string; id_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe('Bearer');
    const jwks = createRemoteJWKSet(new URL(`${issuer.url}/jwks`));
    const { payload } = await jwtVerify(body.access_token, jwks, { issuer: issuer.url, audience: 'varde' });
    expect(payload['varde_role']).toBe('patient');
    expect(payload['varde_patient_id']).toBe(patientId);
    const id = await jwtVerify(body.id_token, jwks, { issuer: issuer.url, audience: 'varde-patient' });
    expect(id.payload['nonce']).toBe('nonce-1');
    expect(id.payload.sub).toBe(payload.sub);
  });

  it('a clinician gets the care teams typed on the page', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await signIn(verifier, { role: 'clinician', team: 'copd-care-team,heart-team' });
    const body = (await (await exchange(code, verifier)).json()) as { access_token: string };
    expect(decodeJwt(body.access_token)['varde_care_teams']).toEqual(['copd-care-team', 'heart-team']);
  });

  it('refuses a wrong verifier, and the code cannot be used again afterwards', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await signIn(verifier, { role: 'clinician' });
    const wrong = await exchange(code, randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge' });
    const again = await exchange(code, verifier);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a code exchanged for another redirect URI', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await signIn(verifier, { role: 'clinician' });
    const response = await exchange(code, verifier, 'http://localhost:8080/clinician/');
    expect(await response.json()).toMatchObject({ error: 'invalid_grant', error_description: 'redirect_uri differs from the authorization request' });
  });

  it('shows the problem on the page, keeping what was typed, when a patient signs in without a patient id', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const response = await fetch(`${issuer.url}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(authorizeQuery(codeChallengeOf(verifier))), role: 'patient', team: '', subject: 'kari' }),
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('a patient token needs exactly one patient id');
    expect(html).toContain('value="kari"');
  });

  it('never redirects to another host, and wants S256 PKCE', async () => {
    const challenge = codeChallengeOf(randomBytes(32).toString('base64url'));
    const elsewhere = await fetch(`${issuer.url}/authorize?${authorizeQuery(challenge, { redirect_uri: 'https://evil.example/cb' })}`, { redirect: 'manual' });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('redirects to localhost only');
    const plain = await fetch(`${issuer.url}/authorize?${authorizeQuery(challenge, { code_challenge_method: 'plain' })}`);
    expect(await plain.text()).toContain('must be "S256"');
  });

  it('ends the session by sending the browser back to the app', async () => {
    const response = await fetch(`${issuer.url}/end-session?post_logout_redirect_uri=${encodeURIComponent(APP)}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(APP);
  });

  it('describes the endpoints in its discovery document', async () => {
    const discovery = (await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      authorization_endpoint: `${issuer.url}/authorize`,
      end_session_endpoint: `${issuer.url}/end-session`,
      code_challenge_methods_supported: ['S256'],
    });
  });
});
