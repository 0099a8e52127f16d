import { NestFactory } from '@nestjs/core';
import { Transport, type GrpcOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule, Type } from '@nestjs/common';
import { ConfigError } from '@varde/config';
import { migrateSchema, type MigrationSet } from '@varde/database';
import { grpcOptions, type grpcServices } from '@varde/contracts';
import type { IntegrationMapper, Relay } from '@varde/messaging';
import { NestPinoLogger, type Tracing } from '@varde/telemetry';
import { createEventChainSealer } from './event-chain';
import { createInfrastructure, startingAlone, startServiceRelay, type Infrastructure } from './infrastructure';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument, mergeOpenApiDocuments } from './openapi/openapi-document';
import { loadPlatformConfig, type ServiceName } from './platform-config';
import { registerRateLimits } from './rate-limits';
import { serviceSchemaMigrations } from './service-migrations';

/** How a service is put together. */
export type ServiceDefinition = Readonly<{
  service: ServiceName;
  /** The service's root module, given the shared infrastructure. */
  module: (infra: Infrastructure) => Type<unknown> | DynamicModule;
  /** The service's own tables: its versioned migrations (`src/infrastructure/migrations/<service>.migrations.ts`). */
  migrations: MigrationSet;
  /** The gRPC contract the service serves, when it answers synchronous questions. */
  grpc?: keyof typeof grpcServices;
  /** Maps the service's domain events to integration events; omitted when it publishes none. */
  relay?: IntegrationMapper;
  /** Content types whose bodies reach controllers as the text sent (e.g. YAML documents, whose problems are reported by line). */
  textBodies?: readonly string[];
}>;

/** A started service. */
export type RunningService = Readonly<{ app: NestFastifyApplication; infra: Infrastructure; stop: () => Promise<void> }>;

/** Starts a service: infrastructure, HTTP (Fastify), gRPC, relay. Resolves when it listens. */
export async function startService(definition: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadPlatformConfig(definition.service, env);
  // Replicas starting together migrate the schema one after the other (see startingAlone); a migration Job
  // that ran first (npm run migrate) leaves nothing to do. The modules create no tables, so the rest of the
  // start-up (seconds: FHIR definitions, NestJS) runs side by side.
  const infra = await startingAlone(config.database.url, config.database.schema, async () => {
    const infra = await createInfrastructure(config);
    const applied = await migrateSchema({ databaseUrl: config.database.url, schema: config.database.schema }, serviceSchemaMigrations(definition.migrations));
    if (applied.length > 0) infra.logger.info({ applied }, 'schema migrated');
    return infra;
  });
  const sealer = createEventChainSealer(infra, env);
  // ignoreTrailingSlash: FHIR clients post batches to the base with a trailing slash (`POST /fhir/`).
  const adapter = new FastifyAdapter({ bodyLimit: config.http.bodyLimit, trustProxy: true, logger: false, routerOptions: { ignoreTrailingSlash: true } });
  const app = await NestFactory.create<NestFastifyApplication>(definition.module(infra), adapter, {
    logger: new NestPinoLogger(infra.logger),
    bufferLogs: false,
  });
  await registerRateLimits(app, config.rateLimits);
  registerFhirJson(app);
  registerOpenApi(app, definition.service, config.publicBaseUrl, config.openApiPeers);
  registerTextBodies(app, definition.textBodies ?? []);
  recordRequestMetrics(app, infra);
  if (definition.grpc) {
    // inheritAppConfig: the global auth guard and error filter cover gRPC calls too (a call without a
    // service credential is UNAUTHENTICATED, ADR 0013).
    app.connectMicroservice<GrpcOptions>(
      { transport: Transport.GRPC, options: grpcOptions(definition.grpc, `${config.grpc.host}:${config.grpc.port}`) },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
  }
  await app.listen(config.http.port, config.http.host);
  sealer.start();
  const relay: Relay | undefined = definition.relay ? await startServiceRelay(infra, definition.relay) : undefined;
  infra.logger.info({ port: config.http.port, grpcPort: definition.grpc ? config.grpc.port : undefined, messaging: config.messaging.mode }, `${config.service} started`);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      infra.health.markShuttingDown();
      if (config.shutdownDrainMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
      await relay?.stop();
      await sealer.stop();
      await app.close();
    })());
  return { app, infra, stop };
}

/**
 * Runs a service as a process: readable start-up errors, graceful shutdown on SIGTERM / SIGINT that lets
 * in-flight requests and messages finish before connections close.
 */
export function runService(definition: ServiceDefinition, tracing?: Tracing): void {
  startService(definition)
    .then((running) => {
      const shutdown = (signal: string): void => {
        running.infra.logger.info({ signal }, 'shutting down');
        running
          .stop()
          .then(() => tracing?.shutdown())
          .then(() => process.exit(0))
          .catch((error: unknown) => {
            running.infra.logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    })
    .catch((error: unknown) => {
      const message = error instanceof ConfigError ? error.message : `${definition.service} failed to start: ${error instanceof Error ? error.message : String(error)}`;
      process.stderr.write(`${message}\n`);
      process.exit(1);
    });
}

function registerFhirJson(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // FHIR clients send application/fhir+json; parse it with Fastify's own safe JSON parser.
  fastify.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'));
}

/**
 * `GET /openapi.json`: the service's OpenAPI 3.1 document, built from its controllers on first request; with
 * OPENAPI_PEERS (the other services' HTTP base URLs), `GET /openapi/merged.json` is the whole platform's, which
 * the public base URL serves as its `/openapi.json`.
 */
function registerOpenApi(app: NestFastifyApplication, service: ServiceName, publicBaseUrl: string | undefined, peers: readonly string[]): void {
  let document: OpenAPIObject | undefined;
  const own = (): OpenAPIObject => (document ??= buildOpenApiDocument(app, service, { publicBaseUrl }));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/openapi.json', async (_request, reply) => {
    await reply.header('content-type', 'application/json').send(own());
  });
  if (peers.length === 0) return;
  fastify.get('/openapi/merged.json', async (_request, reply) => {
    const fetched = await Promise.all(
      peers.map(async (peer) => {
        const response = await fetch(`${peer.replace(/\/$/, '')}/openapi.json`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        return response?.ok ? ((await response.json()) as OpenAPIObject) : peer;
      }),
    );
    const missing = fetched.filter((f): f is string => typeof f === 'string');
    if (missing.length > 0) {
      const detail = `The OpenAPI documents of ${missing.join(', ')} could not be read; try again when every service is up.`;
      await reply.status(503).header('content-type', 'application/problem+json').send({ type: 'about:blank', title: 'Service unavailable', status: 503, detail });
      return;
    }
    await reply.header('content-type', 'application/json').send(mergeOpenApiDocuments([own(), ...(fetched as OpenAPIObject[])], publicBaseUrl));
  });
}

function registerTextBodies(app: NestFastifyApplication, contentTypes: readonly string[]): void {
  const fastify = app.getHttpAdapter().getInstance();
  for (const contentType of contentTypes) {
    fastify.addContentTypeParser(contentType, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  }
}

function recordRequestMetrics(app: NestFastifyApplication, infra: Infrastructure): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    infra.metrics.httpRequests.inc(labels);
    infra.metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });
}
