import { UnauthorizedError, UnavailableError } from '@varde/core';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { principalFromClaims } from './claims-mapping';
import type { Principal } from './principal';

/** Port: turns the value of an `Authorization` header into a verified {@link Principal}. */
export abstract class TokenVerifier {
  /** Verifies `Authorization: Bearer <token>`; throws UnauthorizedError when it is missing or invalid. */
  abstract verify(authorization: string | undefined): Promise<Principal>;
}

/**
 * Where tokens come from and who they must be for (production: OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL), and the
 * longest lifetime (`exp` − `iat`) accepted (OIDC_MAX_TOKEN_LIFETIME_SECONDS, default {@link DEFAULT_MAX_TOKEN_LIFETIME_SECONDS}).
 */
export type TokenVerifierOptions = Readonly<{ issuer: string; audience: string; jwksUrl: string; maxLifetimeSeconds?: number }>;

/**
 * Longest token lifetime accepted unless configured: 12 hours. A token is a bearer secret that cannot be revoked
 * before it expires (docs/adr/0004-auth.md), so a token minted for ten years is a stolen key for ten years.
 * HelseID's access tokens live far shorter; 12 h covers a clinician's shift and a long benchmark run.
 */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;

/** Signature algorithms accepted: what HelseID and common OIDC providers sign with. Never `none` or HMAC. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256', 'PS256'] as const;

// Tolerates small clock drift between the issuer and this host without stretching token lifetime much.
const CLOCK_TOLERANCE_SECONDS = 30;

// A device or an app sends many requests with one token. Verifying its signature each time was a tenth of the
// measurements service's CPU per Observation, so a verified token is remembered for at most a minute (never past
// its expiry): a key the issuer withdraws stops being trusted within that minute.
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX_ENTRIES = 10_000;

/** Verifies OIDC access tokens (JWT) against the issuer's published keys (JWKS), as HelseID issues them. */
export class JoseTokenVerifier extends TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  /** Tokens that verified, with their principal and until when they may be trusted without verifying again. */
  private readonly verified = new Map<string, { principal: Principal; untilMs: number }>();

  constructor(
    private readonly options: TokenVerifierOptions,
    private readonly clock: () => number = Date.now,
  ) {
    super();
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  }

  override async verify(authorization: string | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    const now = this.clock();
    const known = this.verified.get(token);
    if (known && known.untilMs > now) return known.principal;
    if (known) this.verified.delete(token);
    const { principal, expiresAtMs } = await this.verifySignedToken(token);
    this.remember(token, principal, Math.min(expiresAtMs, now + VERIFIED_TTL_MS), now);
    return principal;
  }

  private remember(token: string, principal: Principal, untilMs: number, now: number): void {
    if (!(untilMs > now)) return;
    // Oldest first: a Map iterates in insertion order.
    if (this.verified.size >= VERIFIED_MAX_ENTRIES) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, untilMs });
  }

  /** The principal of a token whose signature and claims verify, and when the token expires. */
  private async verifySignedToken(token: string): Promise<{ principal: Principal; expiresAtMs: number }> {
    let payload: Readonly<Record<string, unknown>>;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...ACCEPTED_ALGORITHMS],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw this.explain(error);
    }
    // `exp` is a required claim, so it is a number here.
    const expiresAtMs = Number(payload['exp']) * 1000;
    this.checkLifetime(payload['iat'], expiresAtMs);
    return { principal: principalFromClaims(payload), expiresAtMs };
  }

  /** Refuses a token issued in the future or living longer than the configured maximum. */
  private checkLifetime(iat: unknown, expiresAtMs: number): void {
    const now = this.clock();
    const max = this.options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    if (iat !== undefined && typeof iat !== 'number') throw new UnauthorizedError("token claim 'iat' must be a number of seconds since 1970");
    if (typeof iat === 'number' && iat * 1000 > now + CLOCK_TOLERANCE_SECONDS * 1000) {
      throw new UnauthorizedError(`token is issued in the future (iat ${new Date(iat * 1000).toISOString()}); check the issuer's clock`);
    }
    // Without `iat` the lifetime left is what counts.
    const lifetimeSeconds = (expiresAtMs - (typeof iat === 'number' ? iat * 1000 : now)) / 1000;
    if (lifetimeSeconds > max + CLOCK_TOLERANCE_SECONDS) {
      throw new UnauthorizedError(`token lifetime of ${Math.round(lifetimeSeconds)} s is longer than the ${max} s accepted (exp ${new Date(expiresAtMs).toISOString()}); ask the issuer for a shorter-lived token`);
    }
  }

  private explain(error: unknown): Error {
    if (error instanceof errors.JWTExpired) {
      const exp = error.payload.exp;
      return new UnauthorizedError(`token expired${typeof exp === 'number' ? ` at ${new Date(exp * 1000).toISOString()}` : ''}`);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      const { payload } = error;
      switch (error.claim) {
        case 'iss':
          return new UnauthorizedError(`token issuer ${JSON.stringify(payload.iss)} is not the trusted issuer "${this.options.issuer}"`);
        case 'aud':
          return new UnauthorizedError(`token audience ${JSON.stringify(payload.aud)} does not include "${this.options.audience}"`);
        case 'nbf':
          return new UnauthorizedError('token is not valid yet (nbf is in the future)');
        default:
          return new UnauthorizedError(`token claim '${error.claim}' is invalid: ${error.reason}`);
      }
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return new UnauthorizedError("token signature does not verify against the issuer's keys");
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return new UnauthorizedError('token is signed with a key the issuer does not publish (unknown kid)');
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return new UnauthorizedError(`token signature algorithm is not accepted (accepted: ${ACCEPTED_ALGORITHMS.join(', ')})`);
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
      return new UnauthorizedError(`token is not a well-formed signed JWT: ${error.message}`);
    }
    // Anything else means the issuer's keys could not be fetched or read: our problem, not the caller's.
    const reason = error instanceof Error ? error.message : String(error);
    return new UnavailableError(`could not load the token issuer's signing keys from ${this.options.jwksUrl}: ${reason}`);
  }
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new UnauthorizedError("missing bearer token: send the header 'Authorization: Bearer <token>'");
  }
  const match = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i.exec(authorization);
  if (match?.[1] === undefined) throw new UnauthorizedError("malformed Authorization header: expected 'Bearer <token>'");
  return match[1];
}
