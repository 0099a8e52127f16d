import fastifyReplyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import { routeFor, type RoutedService } from '../routes';
import { registerWebApps, type WebAppsOptions } from './web-apps';

/** Where each service listens. */
export type Upstreams = Readonly<Record<RoutedService, string>>;

/** A running router. */
export type Router = Readonly<{ url: string; close: () => Promise<void> }>;

/**
 * The one public base URL in embedded mode: routes by path exactly as the Kubernetes ingress does
 * (deploy/routes.ts) and answers `/health` and `/openapi.json` for the whole platform.
 */
export async function startRouter(options: { port: number; host?: string; upstreams: Upstreams; webApps?: WebAppsOptions }): Promise<Router> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  await app.register(fastifyReplyFrom, { undici: { connections: 64, headersTimeout: 60_000, bodyTimeout: 60_000 } });
  // Pass bodies through untouched: each service parses and validates its own input.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

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
    const service = routeFor(path);
    if (!service) {
      return reply
        .status(404)
        .header('content-type', 'application/problem+json')
        .send({ type: 'about:blank', title: 'Not found', status: 404, detail: `No Varde service serves ${path}` });
    }
    return reply.from(`${options.upstreams[service]}${request.url}`, {
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
