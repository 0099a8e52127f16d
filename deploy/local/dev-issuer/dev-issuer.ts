/**
 * Local DEVELOPMENT OIDC issuer. It hands a signed token for any role to anyone who asks, so it refuses to
 * run with NODE_ENV=production and listens on 127.0.0.1 only by default. Production uses HelseID or the
 * trust's own OIDC provider (docs/adr/0004-auth.md).
 */
import fastifyCors from '@fastify/cors';
import { ValidationError } from '@varde/core';
import Fastify, { type FastifyReply } from 'fastify';
import { AuthorizationCodes, parseAuthorizationRequest, type AuthorizationRequest } from './authorization-code';
import { authorizePage } from './authorize-page';
import { loadOrCreateDevKeys } from './dev-keys';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_SCOPES,
  DEFAULT_TTL_SECONDS,
  DEV_ISSUER_URL,
  devTokenScopes,
  mintDevIdToken,
  mintDevToken,
  parseDevTokenRequest,
  type DevTokenRequest,
} from './mint-token';

/** Where and how the dev issuer listens. */
export type DevIssuerOptions = Readonly<{
  /** Default 8090; 0 picks a free port. */
  port?: number;
  host?: string;
  /** Public URL put into `iss`; default the address it listens on. */
  issuer?: string;
  audience?: string;
  keysDir?: string;
}>;

/** A running dev issuer. */
export type DevIssuer = Readonly<{ url: string; close: () => Promise<void> }>;

/** The authorization request's own query parameters (carried through the sign-in page as hidden fields). */
const AUTHORIZATION_PARAMETERS = ['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'state', 'nonce', 'scope'] as const;

/**
 * Starts the dev issuer: discovery document, JWKS, a `POST /token` that mints tokens for any role
 * (client credentials) or exchanges an authorization code (PKCE S256), `GET /authorize` with a page to pick a
 * development user, and `GET /end-session`.
 */
export async function startDevIssuer(options: DevIssuerOptions = {}): Promise<DevIssuer> {
  if (process.env['NODE_ENV'] === 'production') throw new Error('the development token issuer must not run with NODE_ENV=production');
  const { port = 8090, host = '127.0.0.1', audience = DEFAULT_AUDIENCE, keysDir } = options;
  const keys = await loadOrCreateDevKeys(keysDir);
  const app = Fastify({ logger: false });
  // The web apps are served from the router's origin and call discovery, JWKS and token from the browser.
  await app.register(fastifyCors, { origin: true, methods: ['GET', 'POST'] });
  const codes = new AuthorizationCodes();
  // OAuth token requests are form-encoded (RFC 6749 §4.4.2); JSON is accepted too for curl convenience.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // The URL is known only once listening (port 0 picks one); routes must be registered before that.
  let url = '';
  let issuer = '';

  app.get('/.well-known/openid-configuration', async () => ({
    issuer,
    jwks_uri: `${url}/jwks`,
    token_endpoint: `${url}/token`,
    authorization_endpoint: `${url}/authorize`,
    end_session_endpoint: `${url}/end-session`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    code_challenge_methods_supported: ['S256'],
    grant_types_supported: ['authorization_code', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['none'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: [...new Set(Object.values(DEFAULT_SCOPES).flat())],
  }));
  app.get('/jwks', async () => keys.jwks);
  app.post<{ Body: Record<string, unknown> | undefined }>('/token', async (request, reply) => {
    const body = request.body ?? {};
    if (body['grant_type'] === 'authorization_code') {
      const fields = textFields(body);
      const exchanged = codes.exchange({ code: fields.code, redirectUri: fields.redirect_uri, clientId: fields.client_id, codeVerifier: fields.code_verifier });
      if ('error' in exchanged) return reply.code(400).send({ error: exchanged.error, error_description: exchanged.description });
      const ttlSeconds = exchanged.user.ttlSeconds ?? DEFAULT_TTL_SECONDS;
      const minted = { ...exchanged.user, ttlSeconds, issuer, audience, keysDir };
      const [accessToken, idToken] = await Promise.all([
        mintDevToken(minted),
        mintDevIdToken({ ...minted, clientId: exchanged.clientId, ...(exchanged.nonce ? { nonce: exchanged.nonce } : {}) }),
      ]);
      return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: ttlSeconds, scope: exchanged.scope };
    }
    if (body['grant_type'] !== undefined && body['grant_type'] !== 'client_credentials') {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'the dev issuer does authorization_code and client_credentials' });
    }
    try {
      const fields = textFields(body);
      // A Varde service asking for its own token (client credentials, ADR 0013): role system, named by its client id,
      // for the callee's audience (`audience` or RFC 8707 `resource`).
      const service = fields.role === undefined && fields.client_id ? { role: 'system', subject: fields.client_id } : {};
      const tokenOptions = parseDevTokenRequest({ ...tokenRequest(fields), ...service });
      const ttlSeconds = tokenOptions.ttlSeconds ?? DEFAULT_TTL_SECONDS;
      const accessToken = await mintDevToken({ ...tokenOptions, ttlSeconds, issuer, audience: fields.audience || fields.resource || audience, keysDir });
      return { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, scope: devTokenScopes(tokenOptions).join(' ') };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.code(400).send({ error: 'invalid_request', error_description: error.message });
    }
  });

  app.get<{ Querystring: Record<string, string> }>('/authorize', async (request, reply) => {
    const query = authorizationQuery(request.query);
    const parsed = parseOrPage(query, reply);
    if (!parsed) return reply;
    return reply.type('text/html; charset=utf-8').send(authorizePage(query));
  });
  app.post<{ Body: Record<string, unknown> | undefined }>('/authorize', async (request, reply) => {
    const fields = textFields(request.body ?? {});
    const query = authorizationQuery(fields);
    const parsed = parseOrPage(query, reply);
    if (!parsed) return reply;
    const values = { role: fields.role, patient: fields.patient, team: fields.team, subject: fields.subject };
    try {
      const user = parseDevTokenRequest({ role: values.role, patient: values.patient, team: values.team || undefined, subject: values.subject });
      const target = new URL(parsed.redirectUri);
      target.searchParams.set('code', codes.issue(parsed, user));
      if (parsed.state) target.searchParams.set('state', parsed.state);
      target.searchParams.set('iss', issuer);
      return reply.redirect(target.toString(), 302);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.code(400).type('text/html; charset=utf-8').send(authorizePage(query, values, error.message));
    }
  });
  // The dev issuer keeps no sign-in session (every authorize shows the page), so ending one only redirects back.
  app.get<{ Querystring: Record<string, string> }>('/end-session', async (request, reply) => {
    const target = request.query['post_logout_redirect_uri'];
    if (target && isLocal(target)) {
      const back = new URL(target);
      if (request.query['state']) back.searchParams.set('state', request.query['state']);
      return reply.redirect(back.toString(), 302);
    }
    return reply.type('text/html; charset=utf-8').send('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head><body><main><h1>Signed out</h1></main></body></html>');
  });

  await app.listen({ port, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('dev issuer did not bind a TCP port');
  url = `http://${host}:${address.port}`;
  issuer = options.issuer ?? url;
  return { url, close: () => app.close() };
}

// Shows the sign-in page with the problem when the authorization request itself is bad (never redirects then:
// the redirect URI is not trusted yet).
function parseOrPage(query: Record<string, string>, reply: FastifyReply): AuthorizationRequest | undefined {
  try {
    return parseAuthorizationRequest(query);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    void reply.code(400).type('text/html; charset=utf-8').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad sign-in request</title></head><body><main><h1>Bad sign-in request</h1><p role="alert">${error.message.replace(/[<>&]/g, '')}</p></main></body></html>`);
    return undefined;
  }
}

function authorizationQuery(source: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(AUTHORIZATION_PARAMETERS.flatMap((name) => (source[name] === undefined ? [] : [[name, source[name]]])));
}

function isLocal(target: string): boolean {
  try {
    return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(target).hostname);
  } catch {
    return false;
  }
}

function textFields(body: Record<string, unknown>): Record<string, string | undefined> {
  const field = (name: string): string | undefined => {
    const value = body[name];
    if (Array.isArray(value)) return value.join(',');
    return value === undefined ? undefined : String(value);
  };
  return Object.fromEntries(Object.keys(body).map((name) => [name, field(name)]));
}

function tokenRequest(fields: Record<string, string | undefined>): DevTokenRequest {
  return { role: fields.role, patient: fields.patient, team: fields.team, subject: fields.subject, organisation: fields.organisation, scope: fields.scope, ttl: fields.ttl };
}

if (require.main === module) {
  const issuer = process.env['VARDE_ISSUER'] ?? DEV_ISSUER_URL;
  const { hostname, port } = new URL(issuer);
  startDevIssuer({ host: hostname, port: Number(port || 80), issuer, audience: process.env['VARDE_AUDIENCE'] ?? DEFAULT_AUDIENCE })
    .then(({ url }) => console.error(`development token issuer (NOT for production) listening at ${url}; issuer "${issuer}"`))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
