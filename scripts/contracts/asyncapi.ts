// Generates the AsyncAPI 3.0 document of the public event feed (docs/api/public-feed.asyncapi.yaml) from the
// published .proto files (proto/varde/public/**) and the public event registry: one channel per domain
// (address varde.public.{trust}.<domain>.v1), one message per event type, payload schemas following protobuf's JSON
// mapping, descriptions from the .proto comments. `--check` fails when the committed document is not current.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PUBLIC_FEED_DOMAINS, publicEventDomain, publicEventTypes, protoRoot, type PublicEventType } from '@varde/contracts';
import * as protobuf from 'protobufjs';
import { stringify } from 'yaml';
import { repoRoot } from './run-buf';

/** Where the generated document lives. */
export const asyncApiFile = join(repoRoot, 'docs', 'api', 'public-feed.asyncapi.yaml');

type JsonSchema = Record<string, unknown>;

const SCALARS: Readonly<Record<string, JsonSchema>> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  double: { type: 'number' },
  float: { type: 'number' },
  int32: { type: 'integer', format: 'int32' },
  sint32: { type: 'integer', format: 'int32' },
  sfixed32: { type: 'integer', format: 'int32' },
  uint32: { type: 'integer', minimum: 0 },
  fixed32: { type: 'integer', minimum: 0 },
  // Protobuf's JSON mapping writes 64-bit integers as strings.
  int64: { type: 'string', format: 'int64' },
  sint64: { type: 'string', format: 'int64' },
  sfixed64: { type: 'string', format: 'int64' },
  uint64: { type: 'string', format: 'uint64' },
  fixed64: { type: 'string', format: 'uint64' },
  bytes: { type: 'string', contentEncoding: 'base64' },
};

const name = (obj: protobuf.ReflectionObject): string => obj.fullName.replace(/^\./, '');
const text = (comment: string | null): string | undefined => (comment ? comment.replace(/\s+/g, ' ').trim() : undefined);

function loadPublicProtos(): protobuf.Root {
  const published = join(protoRoot, 'varde', 'public');
  const files = readdirSync(published, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.proto'))
    .map((f) => relative(protoRoot, join(published, f)).split('\\').join('/'))
    .sort();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  return root.loadSync(files, { keepCase: false, alternateCommentMode: true });
}

/** The AsyncAPI document as a plain object (deterministic: same protos, same document). */
export function asyncApiDocument(): Record<string, unknown> {
  const root = loadPublicProtos();
  const schemas: Record<string, JsonSchema> = {};
  const schemaOf = (type: protobuf.Type): void => {
    const id = name(type);
    if (schemas[id]) return;
    schemas[id] = {};
    const properties: Record<string, JsonSchema> = {};
    for (const field of type.fieldsArray) {
      field.resolve();
      let schema: JsonSchema;
      const resolved = field.resolvedType;
      if (resolved instanceof protobuf.Enum) {
        schema = { type: 'string', enum: Object.keys(resolved.values), ...(text(resolved.comment) ? { 'x-enum-description': text(resolved.comment) } : {}) };
      } else if (resolved instanceof protobuf.Type) {
        if (name(resolved) === 'google.protobuf.Timestamp') schema = { type: 'string', format: 'date-time' };
        else {
          schemaOf(resolved);
          schema = { $ref: `#/components/schemas/${name(resolved)}` };
        }
      } else {
        schema = { ...SCALARS[field.type] };
      }
      const description = text(field.comment);
      const described = description ? (schema['$ref'] ? { allOf: [schema], description } : { ...schema, description }) : schema;
      properties[field.name] = field.repeated ? { type: 'array', items: schema, ...(description ? { description } : {}) } : described;
    }
    schemas[id] = { type: 'object', ...(text(type.comment) ? { description: text(type.comment) } : {}), 'x-protobuf-message': id, properties };
  };

  const types = (Object.keys(publicEventTypes) as PublicEventType[]).sort();
  const messages: Record<string, unknown> = {};
  for (const type of types) {
    const reflected = root.lookupType(type);
    schemaOf(reflected);
    messages[type.replace(/\./g, '_')] = {
      name: type,
      title: reflected.name,
      ...(text(reflected.comment) ? { summary: text(reflected.comment) } : {}),
      contentType: 'application/protobuf',
      headers: { allOf: [{ $ref: '#/components/schemas/CloudEventHeaders' }, { type: 'object', properties: { ce_type: { const: type } } }] },
      payload: { $ref: `#/components/schemas/${type}` },
      bindings: { kafka: { key: { type: 'string', description: 'Varde\'s pseudonymous patient id: a patient\'s events keep their order.' }, bindingVersion: '0.5.0' } },
      'x-protobuf-file': relative(repoRoot, reflected.filename ?? '').split('\\').join('/'),
    };
  }
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const domain of PUBLIC_FEED_DOMAINS) {
    const ofDomain = types.filter((t) => publicEventDomain(t) === domain);
    channels[domain] = {
      address: `varde.public.{trust}.${domain}.v1`,
      title: `${domain} events for one trust`,
      description: `The events of proto package varde.public.${domain}.v1 about patients whose consent names the trust, readable only by that trust.`,
      parameters: { trust: { $ref: '#/components/parameters/trust' } },
      messages: Object.fromEntries(ofDomain.map((t) => [t.replace(/\./g, '_'), { $ref: `#/components/messages/${t.replace(/\./g, '_')}` }])),
    };
    operations[`receive-${domain}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${domain}` },
      summary: `A trust reads its ${domain} events (consumer group varde.public.<trust>.<anything>).`,
      messages: ofDomain.map((t) => ({ $ref: `#/channels/${domain}/messages/${t.replace(/\./g, '_')}` })),
    };
  }
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Varde public event feed for other health trusts',
      version,
      description:
        'Generated from proto/varde/public by `npm run contracts:asyncapi`; do not edit. Each record: protobuf payload (binary) of the message named by the ce_type header, CloudEvents 1.0 headers (Kafka binary mode), key the pseudonymous patient id. Versioning policy and consent rules: docs/api/public-feed.md.',
      license: { name: 'Apache-2.0' },
    },
    servers: {
      feed: { host: '{bootstrap}', protocol: 'kafka-secure', description: 'The feed cluster\'s SASL listener, given by the hospital\'s operator.', variables: { bootstrap: { description: 'host:port of the bootstrap servers' } }, security: [{ $ref: '#/components/securitySchemes/scram' }] },
    },
    channels,
    operations,
    components: {
      parameters: { trust: { description: 'The receiving trust\'s organisation number (9 digits); the trust\'s ACLs allow only its own.' } },
      securitySchemes: { scram: { type: 'scramSha512', description: 'SASL/SCRAM-SHA-512 as user trust-<organisation number>.' } },
      messages,
      schemas: {
        CloudEventHeaders: {
          type: 'object',
          required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time'],
          properties: {
            ce_specversion: { const: '1.0' },
            ce_id: { type: 'string', description: 'Unique per event; the same when an event is delivered again (deduplicate on it).' },
            ce_type: { type: 'string', description: 'Fully qualified protobuf message name of the payload.' },
            ce_source: { const: 'varde/sharing' },
            ce_time: { type: 'string', format: 'date-time', description: 'When the fact happened.' },
            ce_recordedtime: { type: 'string', format: 'date-time', description: 'When Varde published it.' },
            ce_correlationid: { type: 'string' },
            ce_causationid: { type: 'string' },
            'content-type': { const: 'application/protobuf' },
          },
        },
        ...Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      },
    },
  };
}

/** The document as YAML, as committed. */
export const asyncApiYaml = (): string => `# Generated by scripts/contracts/asyncapi.ts from proto/varde/public; do not edit.\n${stringify(asyncApiDocument(), { lineWidth: 0 })}`;

if (require.main === module) {
  const yaml = asyncApiYaml();
  if (process.argv.includes('--check')) {
    const current = readFileSync(asyncApiFile, { encoding: 'utf8', flag: 'a+' });
    if (current !== yaml) {
      console.error(`${relative(repoRoot, asyncApiFile)} is not current: run npm run contracts:asyncapi and commit it`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(asyncApiFile, yaml);
    console.log(`wrote ${relative(repoRoot, asyncApiFile)}`);
  }
}
