/**
 * Local DEVELOPMENT OIDC issuer. It hands a signed token for any role to anyone who asks, so it refuses to
 * run with NODE_ENV=production and listens on 127.0.0.1 only by default. Production uses HelseID or the
 * trust's own OIDC provider (docs/adr/0004-auth.md).
 */
import { ValidationError } from '@varde/core';
import Fastify from 'fastify';
import { loadOrCreateDevKeys } from './dev-keys';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_SCOPES,
  DEFAULT_TTL_SECONDS,
  DEV_ISSUER_URL,
  devTokenScopes,
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

/** Starts the dev issuer: discovery document, JWKS and a `POST /token` that mints tokens for any role. */
export async function startDevIssuer(options: DevIssuerOptions = {}): Promise<DevIssuer> {
  if (process.env['NODE_ENV'] === 'production') throw new Error('the development token issuer must not run with NODE_ENV=production');
  const { port = 8090, host = '127.0.0.1', audience = DEFAULT_AUDIENCE, keysDir } = options;
  const keys = await loadOrCreateDevKeys(keysDir);
  const app = Fastify({ logger: false });
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
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['none'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: [...new Set(Object.values(DEFAULT_SCOPES).flat())],
  }));
  app.get('/jwks', async () => keys.jwks);
  app.post<{ Body: Record<string, unknown> | undefined }>('/token', async (request, reply) => {
    const body = request.body ?? {};
    if (body['grant_type'] !== undefined && body['grant_type'] !== 'client_credentials') {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'the dev issuer only does client_credentials' });
    }
    try {
      const tokenOptions = parseDevTokenRequest(textFields(body));
      const ttlSeconds = tokenOptions.ttlSeconds ?? DEFAULT_TTL_SECONDS;
      const accessToken = await mintDevToken({ ...tokenOptions, ttlSeconds, issuer, audience, keysDir });
      return { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, scope: devTokenScopes(tokenOptions).join(' ') };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.code(400).send({ error: 'invalid_request', error_description: error.message });
    }
  });

  await app.listen({ port, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('dev issuer did not bind a TCP port');
  url = `http://${host}:${address.port}`;
  issuer = options.issuer ?? url;
  return { url, close: () => app.close() };
}

function textFields(body: Record<string, unknown>): DevTokenRequest {
  const field = (name: string): string | undefined => {
    const value = body[name];
    if (Array.isArray(value)) return value.join(',');
    return value === undefined ? undefined : String(value);
  };
  return { role: field('role'), patient: field('patient'), team: field('team'), subject: field('subject'), organisation: field('organisation'), scope: field('scope'), ttl: field('ttl') };
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
