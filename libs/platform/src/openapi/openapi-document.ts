import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { loadRouteDescriptions, type RouteDescriptions } from './route-descriptions';

type Operation = OpenAPIObject['paths'][string]['get'] & {};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/** Routes the orchestrator and Prometheus call without a token. */
const PUBLIC_PATHS = new Set(['/health/live', '/health/ready', '/health', '/metrics']);

/** Where a service's TypeScript sources (or compiled `src/`) are, found above this file in either layout. */
function serviceSourceDir(service: string): string {
  // libs/platform/src/openapi → <repo>/services/<service>/src; dist/node_modules/@varde/platform/src/openapi → dist/services/<service>/src.
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'services', service, 'src');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no services/${service}/src above ${__dirname}`);
}

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details: never a stack trace; `errors` names each offending field.',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', examples: ['about:blank'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};

const operationOutcomeSchema = {
  type: 'object',
  description: 'FHIR R4 OperationOutcome: one issue per problem, `expression` naming the offending element.',
  required: ['resourceType', 'issue'],
  properties: {
    resourceType: { const: 'OperationOutcome' },
    issue: {
      type: 'array',
      items: {
        type: 'object',
        required: ['severity', 'code'],
        properties: { severity: { type: 'string' }, code: { type: 'string' }, diagnostics: { type: 'string' }, expression: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
};

const ERRORS: Readonly<Record<string, string>> = {
  '400': 'Bad input: every problem named with its field and what was expected; nothing changed.',
  '401': 'Missing or invalid bearer token (`WWW-Authenticate: Bearer` says which).',
  '403': 'The caller may not do this for this patient (role, care team, consent or scope).',
  '404': 'Not found.',
  '500': 'Unexpected error, logged on the server; no details in the response.',
};

/** A route's description by operation id; a handler serving several paths gets its id suffixed (`…ready_1`). */
function describedBy(descriptions: RouteDescriptions, operationId: string): string | undefined {
  return descriptions[operationId] ?? Object.entries(descriptions).find(([key]) => operationId.startsWith(key) && !/[A-Za-z0-9]/.test(operationId.charAt(key.length)))?.[1];
}

/** The first sentence of a description, as the operation's summary. */
const summaryOf = (description: string): string => (description.split(/(?<=\.)\s|\n\n/)[0] ?? description).replace(/\s+/g, ' ').trim();

/**
 * Builds a service's OpenAPI 3.1 document from its controllers (paths, methods, parameters) and each route's
 * TSDoc (summary and description), with the bearer auth scheme and the error shapes: problem details for the
 * REST API, OperationOutcome under `/fhir`, whose operations also point to the CapabilityStatement.
 */
export function buildOpenApiDocument(app: INestApplication, service: string, options: { publicBaseUrl?: string; descriptions?: RouteDescriptions } = {}): OpenAPIObject {
  const descriptions = options.descriptions ?? loadRouteDescriptions(serviceSourceDir(service), join(__dirname, '..'));
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(`Varde ${service}`)
    .setDescription(`The ${service} service of Varde. Authentication: OAuth2/OIDC bearer tokens (HelseID-compatible); every read of patient data is written to the access log.`)
    .setVersion(process.env['npm_package_version'] ?? '0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from the trusted OIDC issuer (HelseID), audience OIDC_AUDIENCE.' }, 'bearer');
  if (options.publicBaseUrl) builder.addServer(options.publicBaseUrl);
  const document = SwaggerModule.createDocument(app, builder.build(), { operationIdFactory: (controller, method) => `${controller}.${method}` });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: problemSchema, OperationOutcome: operationOutcomeSchema } as never };
  for (const [path, item] of Object.entries(document.paths)) {
    const fhir = path === '/fhir' || path.startsWith('/fhir/');
    for (const method of METHODS) {
      const operation: Operation | undefined = item[method];
      if (!operation) continue;
      const description = describedBy(descriptions, operation.operationId ?? '');
      if (description) {
        operation.summary = summaryOf(description);
        operation.description = description;
      }
      if (PUBLIC_PATHS.has(path)) {
        operation.security = [];
        continue;
      }
      operation.security = [{ bearer: [] }];
      const errorSchema: Record<string, { schema: { $ref: string } }> = fhir
        ? { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } }
        : { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
      for (const [status, text] of Object.entries(ERRORS)) operation.responses[status] ??= { description: text, content: errorSchema };
      if (fhir) operation.externalDocs = { description: 'What this FHIR server supports: its CapabilityStatement', url: `${options.publicBaseUrl ?? ''}/fhir/metadata` };
    }
  }
  return document;
}

/** Merges services' documents into one for the public base URL (paths are disjoint: each has one owner). */
export function mergeOpenApiDocuments(documents: readonly OpenAPIObject[], publicBaseUrl?: string): OpenAPIObject {
  const [first] = documents;
  if (!first) throw new Error('no OpenAPI documents to merge');
  return {
    ...first,
    info: { ...first.info, title: 'Varde', description: 'Every REST and FHIR endpoint of Varde behind its public base URL.' },
    servers: publicBaseUrl ? [{ url: publicBaseUrl }] : first.servers,
    tags: documents.flatMap((d) => d.tags ?? []),
    // Each service's own health and metrics are not behind the public base URL.
    paths: Object.fromEntries(documents.flatMap((d) => Object.entries(d.paths)).filter(([path]) => !PUBLIC_PATHS.has(path))),
    components: {
      ...first.components,
      schemas: Object.assign({}, ...documents.map((d) => d.components?.schemas ?? {})),
    },
  };
}
