import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type KeyLike } from 'jose';
import { CLIENT_ASSERTION_ALGORITHMS } from './client-key';
import { ReplayCache, verifyDpopProof } from './dpop-verification';

/** A client the local HelseID knows: its id, the public keys it may sign assertions with, and the scopes it may get. */
export type LocalClient = Readonly<{ clientId: string; publicJwks: readonly JWK[]; scopes: readonly string[] }>;

/** How the local HelseID starts. */
export type LocalHelseIdOptions = Readonly<{
  clients: readonly LocalClient[];
  /** The `aud` of the access tokens it issues (the API's audience). Default `varde-test-api`. */
  audience?: string;
  /** Lifetime of an access token in seconds. Default 300. */
  tokenLifetimeSeconds?: number;
  /** 127.0.0.1 port; 0 (default) for a free one. */
  port?: number;
}>;

/** The result of checking an API request's DPoP-bound token. */
export type ResourceCheck =
  | Readonly<{ ok: true; clientId: string; scopes: readonly string[] }>
  | Readonly<{ ok: false; status: 401; wwwAuthenticate: string; nonce?: string; description: string }>;

/** What the local HelseID has done, for tests to count. */
export type LocalHelseIdCounts = { tokensIssued: number; tokenRequestsRefused: number; resourceRequestsRefused: number };

/**
 * A local stand-in for HelseID's token endpoint, for tests and local runs — never for production. It checks a
 * client credentials request the way HelseID does: a `private_key_jwt` assertion signed by a registered key of the
 * client (iss = sub = client id, aud = this token endpoint, a jti used once, exp at most 60 s after iat and now), a
 * DPoP proof with the server's nonce (the first request gets `use_dpop_nonce`), and issues DPoP-bound tokens
 * (`cnf.jkt`). {@link LocalHelseId.checkResourceRequest} checks an API request's token and proof, as a resource
 * server in front of PMD does, with its own nonce.
 */
export class LocalHelseId {
  /** What was issued and refused so far. */
  readonly counts: LocalHelseIdCounts = { tokensIssued: 0, tokenRequestsRefused: 0, resourceRequestsRefused: 0 };
  private readonly clients = new Map<string, LocalClient>();
  private readonly assertionIds = new ReplayCache();
  private readonly proofIds = new ReplayCache();
  private readonly resourceProofIds = new ReplayCache();
  private tokenNonce = newNonce();
  private resourceNonce?: string;
  private readonly issuedTokenIds = new Set<string>();
  private readonly revokedTokenIds = new Set<string>();

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    /** The issuer URL (`http://127.0.0.1:<port>`). */
    readonly issuer: string,
    private readonly signingKey: KeyLike,
    private readonly publicJwk: JWK,
    private readonly options: LocalHelseIdOptions,
  ) {
    for (const client of options.clients) this.clients.set(client.clientId, client);
  }

  /** Starts the server on 127.0.0.1. */
  static async start(options: LocalHelseIdOptions): Promise<LocalHelseId> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'local-helseid', alg: 'ES256', use: 'sig' };
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    const local = new LocalHelseId(server, `http://127.0.0.1:${port}`, privateKey, publicJwk, options);
    server.on('request', (req, res) => void local.handle(req, res));
    return local;
  }

  /** The token endpoint (`<issuer>/connect/token`), which is also the client assertion's audience. */
  get tokenEndpoint(): string {
    return `${this.issuer}/connect/token`;
  }

  /** The issued tokens' audience. */
  get audience(): string {
    return this.options.audience ?? 'varde-test-api';
  }

  /** Replaces a client's registered public keys, as an operator does in HelseID's self-service when rotating. */
  setClientKeys(clientId: string, publicJwks: readonly JWK[]): void {
    const client = this.clients.get(clientId);
    if (!client) throw new Error(`no client ${clientId}`);
    this.clients.set(clientId, { ...client, publicJwks });
  }

  /** From now on the token endpoint asks for a new nonce (the next request gets `use_dpop_nonce`). */
  rotateTokenNonce(): void {
    this.tokenNonce = newNonce();
  }

  /** From now on API requests need this new nonce (the next one is answered 401 `use_dpop_nonce`). */
  rotateResourceNonce(): void {
    this.resourceNonce = newNonce();
  }

  /** Every token issued until now is refused by {@link checkResourceRequest} (as after a revocation). */
  revokeIssuedTokens(): void {
    for (const id of this.issuedTokenIds) this.revokedTokenIds.add(id);
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Checks an API request as a resource server does: `Authorization: DPoP <token>` issued here for
   * {@link audience}, not revoked, and a proof for this method and URL signed by the token's key with `ath`
   * and the current resource nonce.
   */
  async checkResourceRequest(method: string, url: string, headers: IncomingHttpHeaders): Promise<ResourceCheck> {
    // Every refusal carries the current nonce (RFC 9449 § 9 lets a server send it on any response).
    const refuse = (error: string, description: string): ResourceCheck => {
      this.counts.resourceRequestsRefused++;
      return { ok: false, status: 401, wwwAuthenticate: `DPoP error="${error}", error_description="${description.replace(/"/g, "'")}"`, nonce: this.resourceNonce, description };
    };
    const [scheme, token] = (headers.authorization ?? '').split(' ', 2);
    if (scheme?.toLowerCase() !== 'dpop' || !token) return refuse('invalid_token', 'a DPoP-bound access token is required (Authorization: DPoP <token>)');
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, createLocalJWKSet({ keys: [this.publicJwk] }), { issuer: this.issuer, audience: this.audience }));
    } catch (error) {
      return refuse('invalid_token', `access token: ${error instanceof errors.JOSEError ? error.message : String(error)}`);
    }
    if (this.revokedTokenIds.has(String(claims.jti))) return refuse('invalid_token', 'access token: revoked');
    const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (typeof jkt !== 'string') return refuse('invalid_token', 'access token: not DPoP-bound');
    const proof = await verifyDpopProof(headers.dpop, { method, url, nonce: this.resourceNonce, accessToken: token, boundTo: jkt }, this.resourceProofIds);
    if (!proof.ok) return refuse(proof.error, proof.description);
    return { ok: true, clientId: String(claims.client_id), scopes: String(claims.scope ?? '').split(' ').filter(Boolean) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', this.issuer).pathname;
      if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
        return send(res, 200, { issuer: this.issuer, token_endpoint: this.tokenEndpoint, jwks_uri: `${this.issuer}/.well-known/openid-configuration/jwks`, dpop_signing_alg_values_supported: ['ES256', 'RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] });
      }
      if (req.method === 'GET' && path === '/.well-known/openid-configuration/jwks') return send(res, 200, { keys: [this.publicJwk] });
      if (req.method === 'POST' && path === '/connect/token') return await this.token(req, res);
      send(res, 404, { error: 'not_found' });
    } catch (error) {
      send(res, 500, { error: 'server_error', error_description: error instanceof Error ? error.message : String(error) });
    }
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, error: string, description: string, headers: Record<string, string> = {}): void => {
      this.counts.tokenRequestsRefused++;
      send(res, status, { error, error_description: description }, headers);
    };
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return refuse(400, 'invalid_request', 'expected an application/x-www-form-urlencoded body');
    const form = new URLSearchParams(await text(req));
    if (form.get('grant_type') !== 'client_credentials') return refuse(400, 'unsupported_grant_type', 'only client_credentials is supported');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return refuse(400, 'invalid_client', 'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const clientId = form.get('client_id') ?? '';
    const client = this.clients.get(clientId);
    if (!client) return refuse(401, 'invalid_client', `unknown client_id ${clientId}`);
    const assertion = await this.verifyAssertion(form.get('client_assertion') ?? '', client);
    if (typeof assertion === 'string') return refuse(401, 'invalid_client', assertion);
    const proof = await verifyDpopProof(req.headers.dpop, { method: 'POST', url: this.tokenEndpoint, nonce: this.tokenNonce }, this.proofIds);
    if (!proof.ok) return refuse(400, proof.error, proof.description, proof.error === 'use_dpop_nonce' ? { 'DPoP-Nonce': this.tokenNonce } : {});
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const notAllowed = requested.filter((s) => !client.scopes.includes(s));
    if (notAllowed.length > 0) return refuse(400, 'invalid_scope', `client ${clientId} may not have ${notAllowed.join(', ')}`);
    const lifetime = this.options.tokenLifetimeSeconds ?? 300;
    const tokenId = randomUUID();
    const accessToken = await new SignJWT({ client_id: clientId, scope: requested.join(' '), cnf: { jkt: proof.thumbprint } })
      .setProtectedHeader({ alg: 'ES256', kid: 'local-helseid', typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(`${lifetime}s`)
      .setJti(tokenId)
      .sign(this.signingKey);
    this.issuedTokenIds.add(tokenId);
    this.counts.tokensIssued++;
    send(res, 200, { access_token: accessToken, token_type: 'DPoP', expires_in: lifetime, scope: requested.join(' ') });
  }

  /** The assertion's problem, or undefined when it is good. */
  private async verifyAssertion(assertion: string, client: LocalClient): Promise<string | undefined> {
    if (assertion === '') return 'client_assertion is required';
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: [...client.publicJwks] }), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.tokenEndpoint,
        algorithms: [...CLIENT_ASSERTION_ALGORITHMS],
        requiredClaims: ['exp', 'jti', 'iat'],
      }));
    } catch (error) {
      return `client_assertion: ${error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : String(error)}`;
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp as number;
    if (exp - now > 60 || exp - (payload.iat as number) > 60) return 'client_assertion: exp must be at most 60 seconds ahead';
    if (typeof payload.jti !== 'string' || !this.assertionIds.firstUse(`${client.clientId}:${payload.jti}`, (exp + 60) * 1000)) return 'client_assertion: this jti was used before';
    return undefined;
  }
}

function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
