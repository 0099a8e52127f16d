import fastifyReplyFrom from '@fastify/reply-from';
import { operationOutcome, problemDetails } from '@varde/fhir';
import Fastify, { type FastifyReply } from 'fastify';
import { bodyLimitFor, matchingRoute, type RoutedService } from '../routes';
import { registerWebApps, type WebAppsOptions } from './web-apps';

/** Where each service listens. */
export type Upstreams = Readonly<Record<RoutedService, string>>;

const MB = 1024 * 1024;

/**
 * A body over its limit is still read to its end (and dropped), so the client, which is still sending, gets the
 * 413 instead of a reset connection; past this many bytes the router stops reading and closes the connection.
 */
const MAX_DRAINED_BYTES = 256 * MB;

/** A running router. */
export type Router = Readonly<{ url: string; close: () => Promise<void> }>;

/**
 * The one public base URL in embedded mode: routes by path exactly as the Kubernetes ingress does
 * (deploy/routes.ts) and answers `/health` and `/openapi.json` for the whole platform.
 */
export async function startRouter(options: { port: number; host?: string; upstreams: Upstreams; webApps?: WebAppsOptions }): Promise<Router> {
  const app = Fastify({ logger: false, bodyLimit: MAX_DRAINED_BYTES });
  await app.register(fastifyReplyFrom, { undici: { connections: 64, headersTimeout: 60_000, bodyTimeout: 60_000 } });
  // The limits of deploy/routes.ts (BODY_LIMITS), as the ingress and the services apply them.
  const limitOf = (url: string): number => bodyLimitFor(url.split('?')[0] ?? '/');

  // Bodies over their route's limit are answered 413 here, as the ingress does, never passed on: a service
  // refuses them too, but closes the connection while the router is still writing (503 "write EPIPE").
  app.addHook('onRequest', async (request, reply) => {
    const length = request.headers['content-length'];
    if (length === undefined) return undefined;
    const limit = limitOf(request.url);
    return Number(length) > limit ? tooLarge(request.url, limit, reply) : undefined;
  });
  // Bodies pass through as sent (each service parses and validates its own input), read whole first so that
  // one without a Content-Length is measured against its limit too.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const limit = limitOf(request.url);
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > MAX_DRAINED_BYTES) request.raw.destroy();
    });
    payload.on('end', () => (size > limit ? done(new BodyTooLarge(limit)) : done(null, Buffer.concat(chunks, size))));
    payload.on('error', (error) => done(error));
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof BodyTooLarge) return tooLarge(request.url, error.limit, reply);
    return reply.send(error);
  });

  // The clinician's and the patient's web apps (apps/*), built assets only.
  if (options.webApps) await registerWebApps(app, options.webApps);

  app.get('/health', async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(options.upstreams).map(async ([service, base]) => {
        try {
          const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2_000) });
          return [service, response.ok ? 'up' : 'down'] as const;
        } catch {
          return [service, 'down'] as const;
        }
      }),
    );
    const services = Object.fromEntries(entries);
    const ok = entries.every(([, state]) => state === 'up');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', services });
  });

  // The whole platform's OpenAPI document, as the ingress serves it: pathways merges every service's own
  // (its /openapi/merged.json reads the others' from OPENAPI_PEERS, which startPlatform sets).
  app.get('/openapi.json', (_request, reply) => reply.from(`${options.upstreams.pathways}/openapi/merged.json`));

  app.all('/*', (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const service = matchingRoute(path)?.service;
    if (!service) {
      return reply
        .status(404)
        .header('content-type', 'application/problem+json')
        .send({ type: 'about:blank', title: 'Not found', status: 404, detail: `No Varde service serves ${path}` });
    }
    const body = request.body instanceof Buffer ? { body: request.body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : {};
    return reply.from(`${options.upstreams[service]}${request.url}`, {
      ...body,
      onError: (rep, { error }) => {
        void rep
          .status(503)
          .header('content-type', 'application/problem+json')
          .send({ type: 'about:blank', title: 'Service unavailable', status: 503, detail: `The ${service} service is not reachable: ${error.message}` });
      },
    });
  });

  const url = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return { url, close: () => app.close() };
}

/** A body over the limit of its route, read to its end. */
class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

/** The 413 a service answers for a body over its limit: an OperationOutcome under /fhir, problem details elsewhere. */
function tooLarge(url: string, limit: number, reply: FastifyReply): FastifyReply {
  const message = `the request body is larger than the limit of ${limit / MB} MB for this endpoint`;
  const fhir = /^\/fhir(\/|\?|$)/.test(url);
  return reply
    .status(413)
    .header('content-type', fhir ? 'application/fhir+json' : 'application/problem+json')
    .send(fhir ? operationOutcome('too-costly', [{ field: 'body', message }]) : problemDetails(413, 'Body too large', `body: ${message}`, [{ field: 'body', message }]));
}
