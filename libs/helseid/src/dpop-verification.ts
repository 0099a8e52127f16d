import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWK } from 'jose';
import { accessTokenHash, dpopHtu } from './dpop';

/** Asymmetric algorithms a DPoP proof may be signed with. */
const PROOF_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** How far a proof's `iat` may be from the server's clock. */
const PROOF_WINDOW_SECONDS = 60;

/** What a proof must match. */
export type DpopExpectation = Readonly<{
  method: string;
  url: string;
  /** The nonce the server currently asks for; undefined when it asks for none. */
  nonce?: string;
  /** The access token presented with the proof (resource requests): `ath` must be its hash. */
  accessToken?: string;
  /** The thumbprint the access token is bound to (`cnf.jkt`). */
  boundTo?: string;
}>;

/** A proof that failed, with the OAuth error code to answer (`invalid_dpop_proof` or `use_dpop_nonce`). */
export type DpopRejection = Readonly<{ ok: false; error: 'invalid_dpop_proof' | 'use_dpop_nonce'; description: string }>;

/** A proof that passed: the thumbprint of the key it was signed with. */
export type DpopAcceptance = Readonly<{ ok: true; thumbprint: string }>;

/** Remembers proof ids until they expire, so a proof is accepted once (RFC 9449 § 11.1). */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  /** True the first time `id` is offered before `expiresAtMs`; false for a replay. */
  firstUse(id: string, expiresAtMs: number): boolean {
    const now = Date.now();
    for (const [key, until] of this.seen) if (until < now) this.seen.delete(key);
    if (this.seen.has(id)) return false;
    this.seen.set(id, expiresAtMs);
    return true;
  }
}

/**
 * Checks a `DPoP` header as an authorisation or resource server must (RFC 9449 § 4.3): one proof, `typ`
 * dpop+jwt, an asymmetric signature by the public JWK in its header, `htm`/`htu` of this request, a recent
 * `iat`, an unused `jti`, the server's nonce when it asks for one, and on a resource request `ath` and the
 * token's `cnf.jkt`.
 */
export async function verifyDpopProof(header: string | string[] | undefined, expected: DpopExpectation, replays: ReplayCache): Promise<DpopAcceptance | DpopRejection> {
  const reject = (description: string, error: DpopRejection['error'] = 'invalid_dpop_proof'): DpopRejection => ({ ok: false, error, description });
  if (header === undefined || header === '') return reject('a DPoP proof (header DPoP) is required');
  if (Array.isArray(header) || header.includes(',')) return reject('exactly one DPoP header is allowed');
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: PROOF_ALGORITHMS });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as JWK;
  } catch (error) {
    return reject(`DPoP proof: ${error instanceof errors.JOSEError ? error.message : String(error)}`);
  }
  if ('d' in jwk) return reject('DPoP proof: the header jwk must be a public key');
  if (payload.htm !== expected.method.toUpperCase()) return reject(`DPoP proof: htm ${String(payload.htm)} is not ${expected.method.toUpperCase()}`);
  if (payload.htu !== dpopHtu(expected.url)) return reject(`DPoP proof: htu ${String(payload.htu)} is not ${dpopHtu(expected.url)}`);
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > PROOF_WINDOW_SECONDS) return reject('DPoP proof: iat is missing or not within 60 seconds of now');
  if (typeof payload.jti !== 'string' || payload.jti === '') return reject('DPoP proof: jti is required');
  const thumbprint = await calculateJwkThumbprint(jwk);
  if (expected.accessToken !== undefined) {
    if (payload.ath !== accessTokenHash(expected.accessToken)) return reject('DPoP proof: ath does not match the access token');
    if (expected.boundTo !== thumbprint) return reject('DPoP proof: signed with a key the access token is not bound to');
  }
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
    return reject(payload.nonce === undefined ? 'DPoP proof: a nonce is required' : 'DPoP proof: the nonce is stale', 'use_dpop_nonce');
  }
  if (!replays.firstUse(`${thumbprint}:${payload.jti}`, (payload.iat + PROOF_WINDOW_SECONDS * 2) * 1000)) return reject('DPoP proof: this jti was used before');
  return { ok: true, thumbprint };
}
