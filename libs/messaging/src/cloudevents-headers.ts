import { ValidationError } from '@varde/core';
import type { IntegrationMessage } from './message-bus';

/**
 * CloudEvents 1.0 Kafka protocol binding, binary content mode: the payload is the record value and every
 * attribute is a `ce_`-prefixed header, so any CloudEvents-aware consumer at another trust can read it.
 */

/** The fields of an integration message that travel as headers (everything but topic, key and payload). */
export type CloudEventAttributes = Omit<IntegrationMessage, 'topic' | 'key' | 'payload'>;

/** Header values as Kafka clients hand them over: bytes or text, repeated headers as arrays. */
export type RawHeaders = Readonly<Record<string, string | Uint8Array | readonly (string | Uint8Array)[] | undefined>>;

const specVersion = '1.0';
const contentType = 'application/protobuf';

/** Header names of the attributes, in the order they are written. */
const attributeHeaders = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  recordedTime: 'ce_recordedtime',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
} as const satisfies Partial<Record<keyof CloudEventAttributes, string>>;

// W3C trace context travels under its own names (CloudEvents distributed-tracing extension).
// CloudEvents distributed-tracing extension, prefixed: the kafkajs instrumentation writes its own plain
// `traceparent` (the relay's send span); ours keeps the trace of the request that caused the event.
const traceHeaders = { traceparent: 'ce_traceparent', tracestate: 'ce_tracestate' } as const;

const attributeOfHeader: ReadonlyMap<string, keyof typeof attributeHeaders> = new Map(Object.entries(attributeHeaders).map(([field, header]) => [header, field as keyof typeof attributeHeaders]));

const reservedHeaders: ReadonlySet<string> = new Set([
  'ce_specversion',
  'content-type',
  ...Object.values(attributeHeaders),
  ...Object.values(traceHeaders),
]);

/** Encodes a message's attributes, trace context and extra headers as CloudEvents Kafka headers. */
export function encodeCloudEventHeaders(message: CloudEventAttributes): Record<string, string> {
  const headers: Record<string, string> = { ce_specversion: specVersion };
  for (const [field, header] of Object.entries(attributeHeaders)) {
    headers[header] = message[field as keyof typeof attributeHeaders];
  }
  headers['content-type'] = contentType;
  if (message.traceparent !== undefined) headers[traceHeaders.traceparent] = message.traceparent;
  if (message.tracestate !== undefined) headers[traceHeaders.tracestate] = message.tracestate;
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // An extra header must never silently replace an attribute (e.g. a dead letter's own ce_id).
    if (reservedHeaders.has(name.toLowerCase())) {
      throw ValidationError.field(`headers.${name}`, 'is a CloudEvents attribute header; set the message field instead');
    }
    headers[name] = value;
  }
  return headers;
}

/** Decodes CloudEvents Kafka headers; throws ValidationError when the record is not a CloudEvent 1.0. */
export function decodeCloudEventHeaders(raw: RawHeaders): CloudEventAttributes {
  // Every consumer group decodes every record it fetches: one pass, no intermediate collections.
  const attributes: Partial<Record<keyof typeof attributeHeaders, string>> = {};
  let version: string | undefined;
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  let extra: Record<string, string> | undefined;
  for (const name in raw) {
    const decoded = headerText(raw[name]);
    if (decoded === undefined) continue;
    const field = attributeOfHeader.get(name);
    if (field !== undefined) attributes[field] = decoded;
    else if (name === 'ce_specversion') version = decoded;
    else if (name === traceHeaders.traceparent) traceparent = decoded;
    else if (name === traceHeaders.tracestate) tracestate = decoded;
    else if (!reservedHeaders.has(name)) (extra ??= {})[name] = decoded;
  }
  if (version !== specVersion) {
    throw ValidationError.field('ce_specversion', version === undefined ? 'is missing; the record is not a CloudEvent' : `is ${version}; only ${specVersion} is understood`);
  }
  const missing = Object.entries(attributeHeaders).filter(([field]) => attributes[field as keyof typeof attributeHeaders] === undefined);
  if (missing.length > 0) {
    throw new ValidationError(missing.map(([, header]) => ({ field: header, message: 'is missing' })));
  }
  // Built in place (no spreads): the caller adds where the record came from.
  const decoded = attributes as Record<keyof typeof attributeHeaders, string> & { traceparent?: string; tracestate?: string; headers?: Record<string, string> };
  if (traceparent !== undefined) decoded.traceparent = traceparent;
  if (tracestate !== undefined) decoded.tracestate = tracestate;
  if (extra) decoded.headers = extra;
  return decoded;
}

function headerText(value: RawHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  // Varde writes each header once; when a foreign producer repeats one, its first value counts.
  const single = Array.isArray(value) ? (value as readonly (string | Uint8Array)[])[0] : (value as string | Uint8Array);
  if (single === undefined || typeof single === 'string') return single;
  // Read the bytes where they are (kafkajs hands over slices of the fetched response), never a copy.
  return Buffer.isBuffer(single) ? single.toString('utf8') : Buffer.from(single.buffer, single.byteOffset, single.byteLength).toString('utf8');
}
