import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JwkFileKeySource, StaticKeySource, signingKeyFromJwk } from './client-key';
import { DpopKey } from './dpop';
import { HelseIdClient, HelseIdError } from './helseid-client';
import { LocalHelseId } from './local-helseid';

/** A client key pair as HelseID's self-service makes one: the private JWK for the client, the public one for HelseID. */
async function clientKeyPair(alg: 'RS256' | 'ES256', kid: string = randomUUID()): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateJwk: { ...(await exportJWK(privateKey)), kid, alg }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

describe('HelseID client against a token endpoint that checks like HelseID', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helseid-'));
  let rsa: { privateJwk: JWK; publicJwk: JWK };
  let ec: { privateJwk: JWK; publicJwk: JWK };
  let helseId: LocalHelseId;
  let api: Server;
  let apiUrl: string;
  const apiCalls: string[] = [];

  beforeAll(async () => {
    rsa = await clientKeyPair('RS256');
    ec = await clientKeyPair('ES256');
    helseId = await LocalHelseId.start({
      clients: [
        { clientId: 'varde-rsa', publicJwks: [rsa.publicJwk], scopes: ['nhn:pmd/write'] },
        { clientId: 'varde-ec', publicJwks: [ec.publicJwk], scopes: ['nhn:pmd/write', 'nhn:pmd/read'] },
      ],
    });
    // The API as PMD's gateway: every request's token and proof checked by the issuer's rules.
    api = createServer((req, res) => {
      void helseId.checkResourceRequest(req.method ?? 'GET', `${apiUrl}${req.url ?? '/'}`, req.headers).then((check) => {
        if (!check.ok) {
          res.writeHead(401, { 'www-authenticate': check.wwwAuthenticate, ...(check.nonce ? { 'dpop-nonce': check.nonce } : {}) });
          return res.end(check.description);
        }
        apiCalls.push(check.clientId);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ clientId: check.clientId, scopes: check.scopes }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    apiCalls.length = 0;
  });

  afterAll(async () => {
    api.closeAllConnections();
    await new Promise((resolve) => api.close(resolve));
    await helseId.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The API's current nonce, as a 401 for a proof without one tells it. */
  const nonceOf = async (url: string): Promise<string | undefined> => {
    const probe = await fetch(`${url}/x`, { headers: { authorization: 'DPoP x' } });
    return probe.headers.get('dpop-nonce') ?? undefined;
  };

  const clientFor = (clientId: string, privateJwk: JWK, scope = 'nhn:pmd/write') =>
    new HelseIdClient({ tokenEndpoint: helseId.tokenEndpoint, clientId, scope, key: new StaticKeySource(signingKeyFromJwk(JSON.stringify(privateJwk), 'test key')) });

  it.each([
    ['RS256', 'varde-rsa', () => rsa.privateJwk],
    ['ES256', 'varde-ec', () => ec.privateJwk],
  ])('gets a DPoP-bound token with a %s client assertion and calls the API with a fresh proof each time, on one token', async (_alg, clientId, key) => {
    const before = helseId.counts.tokensIssued;
    const client = clientFor(clientId, key());
    for (const path of ['/Observation/_search', '/Observation/_search', '/']) {
      const response = await client.fetch(`${apiUrl}${path}?patient.identifier=x`, { method: 'POST', body: 'a=b' });
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toEqual({ clientId, scopes: ['nhn:pmd/write'] });
    }
    expect(apiCalls).toEqual([clientId, clientId, clientId]);
    expect(helseId.counts.tokensIssued - before).toBe(1);
  });

  it('answers the token endpoint’s use_dpop_nonce and the API’s new nonce by sending once more with it', async () => {
    const client = clientFor('varde-ec', ec.privateJwk);
    helseId.rotateTokenNonce();
    const refusedBefore = helseId.counts.tokenRequestsRefused;
    await client.accessToken();
    expect(helseId.counts.tokenRequestsRefused - refusedBefore).toBe(1);

    helseId.rotateResourceNonce();
    const response = await client.fetch(`${apiUrl}/Observation`);
    expect(response.status).toBe(200);
    // The nonce is remembered: the next call needs no second attempt.
    const refused = helseId.counts.resourceRequestsRefused;
    expect((await client.fetch(`${apiUrl}/Observation`)).status).toBe(200);
    expect(helseId.counts.resourceRequestsRefused).toBe(refused);
  });

  it('uses a rotated key from the key file at once, without a new client', async () => {
    const path = join(dir, 'client.jwk.json');
    const first = await clientKeyPair('ES256', 'key-1');
    const second = await clientKeyPair('RS256', 'key-2');
    writeFileSync(path, JSON.stringify(first.privateJwk));
    helseId.setClientKeys('varde-rsa', [first.publicJwk]);
    const client = new HelseIdClient({ tokenEndpoint: helseId.tokenEndpoint, clientId: 'varde-rsa', scope: 'nhn:pmd/write', key: new JwkFileKeySource(path) });
    const token1 = await client.accessToken();

    // The operator registers the new public key in HelseID, retires the old one, and replaces the file.
    helseId.setClientKeys('varde-rsa', [second.publicJwk]);
    writeFileSync(`${path}.new`, JSON.stringify(second.privateJwk));
    renameSync(`${path}.new`, path);
    client.invalidate(token1);
    const token2 = await client.accessToken();
    expect(token2).not.toBe(token1);
    expect((await client.fetch(`${apiUrl}/x`)).status).toBe(200);
    helseId.setClientKeys('varde-rsa', [rsa.publicJwk]);
  });

  it('gets a new token after the API refuses a revoked one and the caller invalidates it', async () => {
    const client = clientFor('varde-ec', ec.privateJwk);
    const token = await client.accessToken();
    helseId.revokeIssuedTokens();
    const refused = await client.fetch(`${apiUrl}/x`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    client.invalidate(token);
    expect((await client.fetch(`${apiUrl}/x`)).status).toBe(200);
  });

  it('is refused, with HelseID’s error, for a key HelseID does not have or a scope the client may not have', async () => {
    const stranger = await clientKeyPair('ES256');
    await expect(clientFor('varde-ec', stranger.privateJwk).accessToken()).rejects.toMatchObject({ name: 'HelseIdError', status: 401, error: 'invalid_client' });
    await expect(clientFor('varde-rsa', rsa.privateJwk, 'nhn:pmd/read').accessToken()).rejects.toMatchObject({ status: 400, error: 'invalid_scope' });
    await expect(clientFor('nobody', rsa.privateJwk).accessToken()).rejects.toBeInstanceOf(HelseIdError);
  });

  it('rejects an assertion that is not what HelseID requires: wrong aud, exp too far, a reused jti, no DPoP proof', async () => {
    const key = await signingKeyFromJwk(JSON.stringify(ec.privateJwk), 'ec');
    const dpop = await DpopKey.generate();
    const now = Math.floor(Date.now() / 1000);
    const assertion = (claims: { aud?: string; exp?: number; jti?: string }) =>
      new SignJWT({})
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer('varde-ec')
        .setSubject('varde-ec')
        .setAudience(claims.aud ?? helseId.tokenEndpoint)
        .setIssuedAt(now)
        .setExpirationTime(claims.exp ?? now + 30)
        .setJti(claims.jti ?? randomUUID())
        .sign(key.privateKey);
    const post = async (clientAssertion: string, withProof = true) => {
      // First get the server's nonce, as the client would.
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (withProof) {
        const probe = await fetch(helseId.tokenEndpoint, { method: 'POST', headers: { ...headers, dpop: await dpop.proof({ method: 'POST', url: helseId.tokenEndpoint }) }, body: 'grant_type=client_credentials&client_id=varde-ec&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=' + (await assertion({})) });
        const nonce = probe.headers.get('dpop-nonce') ?? undefined;
        headers.dpop = await dpop.proof({ method: 'POST', url: helseId.tokenEndpoint, nonce });
      }
      const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'varde-ec', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion, scope: 'nhn:pmd/write' });
      const response = await fetch(helseId.tokenEndpoint, { method: 'POST', headers, body: body.toString() });
      return { status: response.status, body: (await response.json()) as { error?: string; error_description?: string; token_type?: string } };
    };

    expect(await post(await assertion({}))).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
    expect(await post(await assertion({ aud: 'https://helseid-sts.nhn.no' }))).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: expect.stringContaining('aud') } });
    expect(await post(await assertion({ exp: now + 120 }))).toMatchObject({ status: 401, body: { error_description: expect.stringContaining('60 seconds') } });
    const reused = await assertion({ jti: 'once' });
    expect((await post(reused)).status).toBe(200);
    expect(await post(reused)).toMatchObject({ status: 401, body: { error_description: expect.stringContaining('jti was used before') } });
    expect(await post(await assertion({}), false)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  });

  it('refuses API calls with a bearer token, a replayed proof, a proof by another key or for another URL', async () => {
    const clientKey = await DpopKey.generate();
    const client = new HelseIdClient({ tokenEndpoint: helseId.tokenEndpoint, clientId: 'varde-ec', scope: 'nhn:pmd/write', key: new StaticKeySource(signingKeyFromJwk(JSON.stringify(ec.privateJwk), 'k')), dpopKey: clientKey });
    const token = await client.accessToken();
    const dpop = await DpopKey.generate();
    helseId.rotateResourceNonce();
    const nonce = (await client.fetch(`${apiUrl}/x`)).status === 200 ? await nonceOf(apiUrl) : undefined;
    const proof = await clientKey.proof({ method: 'GET', url: `${apiUrl}/x`, accessToken: token, nonce });
    expect((await fetch(`${apiUrl}/x`, { headers: { authorization: `DPoP ${token}`, dpop: proof } })).status).toBe(200);
    const replay = await fetch(`${apiUrl}/x`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toContain('jti was used before');
    expect((await fetch(`${apiUrl}/x`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    // A proof by a key the token is not bound to.
    const foreign = await fetch(`${apiUrl}/x`, { headers: { authorization: `DPoP ${token}`, dpop: await dpop.proof({ method: 'GET', url: `${apiUrl}/x`, accessToken: token, nonce }) } });
    expect(foreign.headers.get('www-authenticate')).toContain('not bound');

    // Capture one of the client's own proofs and send it again.
    let captured: Record<string, string> = {};
    const spy = createServer((req, res) => {
      captured = { authorization: String(req.headers.authorization), dpop: String(req.headers.dpop) };
      res.end();
    });
    await new Promise<void>((resolve) => spy.listen(0, '127.0.0.1', resolve));
    const spyUrl = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;
    await client.fetch(`${spyUrl}/x`);
    spy.close();
    const wrongUrl = await fetch(`${apiUrl}/x`, { headers: captured });
    expect(wrongUrl.status).toBe(401);
    expect(wrongUrl.headers.get('www-authenticate')).toContain('htu');
  });

  it('refuses configuration HelseID would not accept', async () => {
    expect(() => new HelseIdClient({ tokenEndpoint: helseId.tokenEndpoint, clientId: 'x', scope: 's', key: new StaticKeySource(signingKeyFromJwk(JSON.stringify(ec.privateJwk), 'k')), assertionLifetimeSeconds: 120 })).toThrow(/60/);
    await expect(signingKeyFromJwk(JSON.stringify(ec.publicJwk), 'HELSEID_CLIENT_JWK')).rejects.toThrow(/HELSEID_CLIENT_JWK: the JWK has no private part/);
    await expect(signingKeyFromJwk('not json', 'HELSEID_CLIENT_JWK')).rejects.toThrow(/expected a private JWK as JSON/);
  });
});
