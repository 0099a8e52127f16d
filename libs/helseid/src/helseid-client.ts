import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ClientKeySource } from './client-key';
import { DpopKey } from './dpop';

/** Where and as whom the client asks HelseID for tokens. */
export type HelseIdClientOptions = Readonly<{
  /** HelseID's token endpoint, e.g. `https://helseid-sts.test.nhn.no/connect/token`; also the assertion's `aud`. */
  tokenEndpoint: string;
  /** The client id registered in HelseID (the assertion's `iss` and `sub`). */
  clientId: string;
  /** The scopes to ask for, space-separated (e.g. `nhn:pasientens-maaledata/write`). */
  scope: string;
  /** The client's private key, asked for before every assertion (so a rotated key is picked up). */
  key: ClientKeySource;
  /** The DPoP key; a fresh ES256 pair when not given. */
  dpopKey?: DpopKey;
  /** Seconds a client assertion is valid; HelseID accepts at most 60. Default 60. */
  assertionLifetimeSeconds?: number;
  /** A token is renewed this many seconds before it expires. Default 30. */
  renewBeforeSeconds?: number;
  /** Timeout of one request, in ms. Default 10 000. */
  timeoutMs?: number;
}>;

/** HelseID refused to issue a token, or could not be reached. `error` is the OAuth error code when it answered. */
export class HelseIdError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly error?: string,
  ) {
    super(message);
    this.name = 'HelseIdError';
  }
}

/** An access token and when to renew it. */
type CachedToken = Readonly<{ accessToken: string; renewAtMs: number }>;

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A HelseID machine client: client credentials with a `private_key_jwt` client assertion, DPoP-bound access
 * tokens, and DPoP-protected calls to an API (RFC 9449). One token is shared by concurrent callers and renewed
 * before it expires; every request carries a fresh proof, and a server's `DPoP-Nonce` is remembered per origin
 * and the request retried once when the server asks for it (`use_dpop_nonce`).
 */
export class HelseIdClient {
  private token?: CachedToken;
  private pending?: Promise<CachedToken>;
  private readonly nonces = new Map<string, string>();
  private dpopKey?: Promise<DpopKey>;

  constructor(private readonly options: HelseIdClientOptions) {
    if (options.dpopKey) this.dpopKey = Promise.resolve(options.dpopKey);
    const lifetime = options.assertionLifetimeSeconds ?? 60;
    if (lifetime <= 0 || lifetime > 60) throw new Error(`assertionLifetimeSeconds must be between 1 and 60 (HelseID's limit); got ${lifetime}`);
  }

  /** A valid access token, from the cache or newly issued (concurrent callers share one request). */
  async accessToken(): Promise<string> {
    if (this.token && this.token.renewAtMs > Date.now()) return this.token.accessToken;
    this.pending ??= this.requestToken()
      .then((token) => (this.token = token))
      .finally(() => (this.pending = undefined));
    return (await this.pending).accessToken;
  }

  /** Forgets `accessToken` (when it is still the cached one), so the next call gets a new token: after a 401 `invalid_token`. */
  invalidate(accessToken: string): void {
    if (this.token?.accessToken === accessToken) this.token = undefined;
  }

  /**
   * A DPoP-protected request to an API: `Authorization: DPoP <token>` and a fresh `DPoP` proof with `ath`.
   * When the server answers 401 with `use_dpop_nonce` and a `DPoP-Nonce`, the request is sent once more with it.
   * The body must be replayable (a string or buffer) for that retry.
   */
  async fetch(url: string, init: Omit<RequestInit, 'body'> & { body?: string | Uint8Array } = {}): Promise<Response> {
    const accessToken = await this.accessToken();
    const send = async (): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `DPoP ${accessToken}`);
      headers.set('dpop', await this.proof(init.method ?? 'GET', url, accessToken));
      const response = await fetch(url, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
      this.rememberNonce(url, response);
      return response;
    };
    const response = await send();
    if (response.status === 401 && asksForNonce(response)) {
      await response.body?.cancel();
      return send();
    }
    return response;
  }

  private async proof(method: string, url: string, accessToken?: string): Promise<string> {
    const key = await (this.dpopKey ??= DpopKey.generate());
    return key.proof({ method, url, accessToken, nonce: this.nonces.get(new URL(url).origin) });
  }

  private rememberNonce(url: string, response: Response): void {
    const nonce = response.headers.get('dpop-nonce');
    if (nonce) this.nonces.set(new URL(url).origin, nonce);
  }

  private async requestToken(): Promise<CachedToken> {
    const first = await this.postTokenRequest();
    // HelseID asks for a nonce on the first request (400 use_dpop_nonce with DPoP-Nonce): send again with it.
    const response = first.status === 400 && first.body.error === 'use_dpop_nonce' ? await this.postTokenRequest() : first;
    const { status, body } = response;
    if (status !== 200 || typeof body.access_token !== 'string') {
      const error = typeof body.error === 'string' ? body.error : undefined;
      const description = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
      throw new HelseIdError(`HelseID refused a token for client ${this.options.clientId} (${status} ${error ?? 'no error code'}${description})`, status, error);
    }
    if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'dpop') {
      throw new HelseIdError(`HelseID issued a ${String(body.token_type)} token; a DPoP-bound token was expected (is DPoP enabled for client ${this.options.clientId}?)`, status);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 60) * 1000;
    const renewBeforeMs = (this.options.renewBeforeSeconds ?? 30) * 1000;
    return { accessToken: body.access_token, renewAtMs: Date.now() + Math.max(lifetimeMs - renewBeforeMs, lifetimeMs / 2) };
  }

  private async postTokenRequest(): Promise<{ status: number; body: Record<string, unknown> }> {
    const { tokenEndpoint, clientId, scope } = this.options;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await this.clientAssertion(),
      scope,
    });
    let response: Response;
    try {
      response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await this.proof('POST', tokenEndpoint) },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new HelseIdError(`HelseID's token endpoint ${tokenEndpoint} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.rememberNonce(tokenEndpoint, response);
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: response.status, body: typeof body === 'object' && body !== null ? body : {} };
  }

  /** A `private_key_jwt` assertion (RFC 7523): iss = sub = client id, aud = the token endpoint, a new jti, exp ≤ 60 s. */
  private async clientAssertion(): Promise<string> {
    const { privateKey, kid, alg } = await this.options.key.current();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(this.options.clientId)
      .setSubject(this.options.clientId)
      .setAudience(this.options.tokenEndpoint)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (this.options.assertionLifetimeSeconds ?? 60))
      .sign(privateKey);
  }
}

/** A 401 that asks for a (new) DPoP nonce (RFC 9449 § 9). */
function asksForNonce(response: Response): boolean {
  return response.headers.has('dpop-nonce') && /error="?use_dpop_nonce/.test(response.headers.get('www-authenticate') ?? '');
}
