/** Keys whose values never reach a log line, at any depth: identities, health values, request bodies, secrets. */
export const SENSITIVE_LOG_KEYS: readonly string[] = [
  'nationalId',
  'national_id',
  'nationalIdentityNumber',
  'fnr',
  'dnr',
  'fodselsnummer',
  'foedselsnummer',
  'personnummer',
  'ssn',
  'identifier',
  'value',
  'valueQuantity',
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueInteger',
  'valueDecimal',
  'component',
  'answer',
  'answers',
  'item',
  'payload',
  'body',
  'authorization',
  'cookie',
  'token',
  'accessToken',
  'access_token',
  'idToken',
  'id_token',
  'refreshToken',
  'refresh_token',
  'password',
  'secret',
];

const REDACTED = '[Redacted]';
const MASK = '***********';
const sensitiveKeys = new Set(SENSITIVE_LOG_KEYS.map((key) => key.toLowerCase()));
// Hex ids written by OpenTelemetry often contain 11-digit runs; masking them would break log-to-trace links.
const exemptKeys = new Set(['trace_id', 'span_id', 'traceparent', 'tracestate']);

// Any 11-digit run (6 + 5, optionally split by one space or hyphen) that is not part of a longer number.
// Deliberately not narrowed by birth-date or check-digit rules: synthetic test numbers, D/H-numbers and the
// 2032 check-digit change would slip through, and masking an innocent number costs little. A run right
// after a percent escape (`%7C12345678901`, a URL-encoded FHIR identifier) counts as standalone.
// Not the last group of a UUID (patient, event and entry ids), which is 12 hex digits and may hold an 11-digit run.
const NATIONAL_ID = /(?:(?<=%[0-9A-Fa-f]{2})|(?<!\d))(?<![0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]?)\d{6}[ -]?\d{5}(?!\d)/g;
const NATIONAL_ID_TEST = new RegExp(NATIONAL_ID.source);
const UNREDACTED_SENSITIVE_KEY = new RegExp(
  `"(?:${SENSITIVE_LOG_KEYS.join('|')})":(?!"\\[Redacted\\]")`,
  'i',
);

/** Replaces every run of digits shaped like a Norwegian national identity number or D-number with asterisks. */
export function maskNationalIds(text: string): string {
  return text.replace(NATIONAL_ID, MASK);
}

/**
 * pino `streamWrite` hook: the last stop before a line leaves the process, so it also covers the
 * message, child bindings and serializer output. Lines with nothing suspicious pass untouched.
 */
export function scrubLogLine(line: string): string {
  if (!NATIONAL_ID_TEST.test(line) && !UNREDACTED_SENSITIVE_KEY.test(line)) return line;
  try {
    return `${JSON.stringify(scrub(JSON.parse(line)))}\n`;
  } catch {
    // Not JSON after all: masking may bend its shape, leaking would be worse.
    return maskNationalIds(line);
  }
}

function scrub(value: unknown): unknown {
  if (typeof value === 'string') return maskNationalIds(value);
  if (typeof value === 'number') return Number.isInteger(value) && maskNationalIds(String(value)) === MASK ? MASK : value;
  if (Array.isArray(value)) return value.map(scrub);
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    result[maskNationalIds(key)] = sensitiveKeys.has(key.toLowerCase())
      ? REDACTED
      : exemptKeys.has(key)
        ? child
        : scrub(child);
  }
  return result;
}
