import { createHash, randomBytes } from 'node:crypto';
import { ValidationError } from '@varde/core';
import type { DevTokenOptions } from './mint-token';

/** An authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636) as the web apps send it. */
export type AuthorizationRequest = Readonly<{
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state?: string;
  nonce?: string;
  scope: string;
}>;

/** What a code stands for until it is exchanged: who picked which development user, for which client. */
type PendingCode = Readonly<{ request: AuthorizationRequest; user: DevTokenOptions; expiresAt: number }>;

/** A code exchange that succeeded: the development user to mint tokens for and the request's nonce. */
export type ExchangedCode = Readonly<{ user: DevTokenOptions; clientId: string; nonce?: string; scope: string }>;

/** Why a code exchange failed, as RFC 6749 §5.2 names it. */
export type CodeExchangeError = Readonly<{ error: 'invalid_grant' | 'invalid_request'; description: string }>;

const CODE_LIFETIME_MS = 60_000;
// RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/**
 * Validates the query of `GET /authorize`. Only the code flow with S256 PKCE is offered, and only to redirect
 * URIs on this machine (the dev issuer must never hand a token to another host).
 */
export function parseAuthorizationRequest(query: Readonly<Record<string, string | undefined>>): AuthorizationRequest {
  const required = (name: string): string => {
    const value = query[name];
    if (value === undefined || value === '') throw ValidationError.field(name, 'is required');
    return value;
  };
  if (required('response_type') !== 'code') throw ValidationError.field('response_type', 'must be "code" (authorization code flow)');
  const redirectUri = required('redirect_uri');
  let host: string;
  try {
    host = new URL(redirectUri).hostname;
  } catch {
    throw ValidationError.field('redirect_uri', `"${redirectUri}" is not an absolute URL`);
  }
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host)) throw ValidationError.field('redirect_uri', 'the development issuer redirects to localhost only');
  if (required('code_challenge_method') !== 'S256') throw ValidationError.field('code_challenge_method', 'must be "S256" (PKCE)');
  const codeChallenge = required('code_challenge');
  if (!CHALLENGE.test(codeChallenge)) throw ValidationError.field('code_challenge', 'must be the base64url SHA-256 of the code verifier (43 characters)');
  return {
    clientId: required('client_id'),
    redirectUri,
    codeChallenge,
    scope: query['scope'] ?? 'openid',
    ...(query['state'] ? { state: query['state'] } : {}),
    ...(query['nonce'] ? { nonce: query['nonce'] } : {}),
  };
}

/** The S256 code challenge of a PKCE code verifier. */
export function codeChallengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Single-use authorization codes kept in memory for a minute, as a development issuer needs nothing more. */
export class AuthorizationCodes {
  private readonly pending = new Map<string, PendingCode>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Issues a code for `user`, picked on the authorize page for `request`. */
  issue(request: AuthorizationRequest, user: DevTokenOptions): string {
    this.forgetExpired();
    const code = randomBytes(32).toString('base64url');
    this.pending.set(code, { request, user, expiresAt: this.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** Exchanges a code once: the client, redirect URI and PKCE verifier must match the authorization request. */
  exchange(fields: Readonly<{ code?: string; redirectUri?: string; clientId?: string; codeVerifier?: string }>): ExchangedCode | CodeExchangeError {
    const { code, redirectUri, clientId, codeVerifier } = fields;
    if (!code) return { error: 'invalid_request', description: 'code is required' };
    if (!codeVerifier) return { error: 'invalid_request', description: 'code_verifier is required (PKCE)' };
    if (!VERIFIER.test(codeVerifier)) return { error: 'invalid_request', description: 'code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~' };
    const pending = this.pending.get(code);
    // A code is used once, whatever the outcome (RFC 6749 §4.1.2).
    this.pending.delete(code);
    if (!pending || pending.expiresAt < this.now()) return { error: 'invalid_grant', description: 'the code is unknown, used or expired' };
    if (clientId !== pending.request.clientId) return { error: 'invalid_grant', description: 'client_id differs from the authorization request' };
    if (redirectUri !== pending.request.redirectUri) return { error: 'invalid_grant', description: 'redirect_uri differs from the authorization request' };
    if (codeChallengeOf(codeVerifier) !== pending.request.codeChallenge) return { error: 'invalid_grant', description: 'code_verifier does not match the code_challenge' };
    return { user: pending.user, clientId: pending.request.clientId, scope: pending.request.scope, ...(pending.request.nonce ? { nonce: pending.request.nonce } : {}) };
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [code, pending] of this.pending) if (pending.expiresAt < now) this.pending.delete(code);
  }
}
