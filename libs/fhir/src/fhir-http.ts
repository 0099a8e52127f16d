import { ValidationError } from '@varde/core';

/** An HTTP answer a FHIR interaction gives that has no VardeError kind: 406, 412. Mapped by `toHttpError` by its status. */
export class FhirHttpError extends Error {
  constructor(
    readonly statusCode: 406 | 412,
    message: string,
  ) {
    super(message);
    this.name = 'FhirHttpError';
  }
}

/** Request headers as a framework hands them over (lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();

/**
 * The absolute FHIR base URL a client used (`https://varde.example/fhir`), from the forwarded protocol and host a
 * proxy sets, else the Host header: R4 wants absolute `fullUrl`s, `Location`s and paging links.
 */
export function fhirBaseUrl(headers: RequestHeaders, protocol = 'http'): string {
  const proto = first(headers['x-forwarded-proto']) ?? protocol;
  const host = first(headers['x-forwarded-host']) ?? first(headers['host']) ?? 'localhost';
  return `${proto}://${host}/fhir`;
}

/** The weak ETag of a resource version, as R4 writes it: `W/"3"`. */
export const versionTag = (versionId: string | number): string => `W/"${versionId}"`;

/** An instant as an HTTP date (`Last-Modified`). */
export const httpDate = (iso: string): string => new Date(iso).toUTCString();

/** What a client asked for with `Prefer: return=…` (R4 default: the resource). */
export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

/** The `Prefer` header's `return` preference; unknown values fall back to the resource, as RFC 7240 lets a server. */
export function preferReturn(prefer: string | undefined): PreferReturn {
  const value = /(?:^|[;,\s])return\s*=\s*"?([A-Za-z]+)"?/.exec(prefer ?? '')?.[1];
  return value === 'minimal' || value === 'OperationOutcome' ? value : 'representation';
}

/** The `Prefer` header's `handling` preference for unknown search parameters (Varde's default: strict). */
export function preferHandling(prefer: string | undefined): 'strict' | 'lenient' {
  return /(?:^|[;,\s])handling\s*=\s*"?lenient"?/.test(prefer ?? '') ? 'lenient' : 'strict';
}

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'json', 'text/json'];

/**
 * The response format from `_format` (which wins, as R4 says) or `Accept`: JSON, answered as
 * `application/fhir+json`. Anything else alone (XML, Turtle, HTML) is a 406 (the CapabilityStatement lists only json).
 */
export function negotiateFhirFormat(format: string | undefined, accept: string | undefined): 'application/fhir+json' {
  if (format !== undefined) {
    const wanted = format.split(';')[0]!.trim().toLowerCase();
    if (JSON_TYPES.includes(wanted)) return 'application/fhir+json';
    throw new FhirHttpError(406, `_format=${format.slice(0, 40)} is not served: this server speaks FHIR JSON only (_format=json)`);
  }
  if (!accept || accept.trim() === '') return 'application/fhir+json';
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  if (types.some((t) => JSON_TYPES.includes(t) || t === '*/*' || t === 'application/*')) return 'application/fhir+json';
  throw new FhirHttpError(406, `Accept: ${accept.slice(0, 80)} is not served: this server speaks FHIR JSON only (application/fhir+json)`);
}

/**
 * The 412 of a version-aware write whose `If-Match` (`where`: the header, or a Bundle entry's `ifMatch`) names a
 * version `reference` is not at; `current` undefined when it is not recorded at all. Nothing is written.
 */
export function staleVersion(reference: string, current: number | undefined, expected: number, where = 'If-Match'): FhirHttpError {
  return new FhirHttpError(412, `${where}: ${reference} is ${current === undefined ? 'not recorded' : `at version ${current}`}, not ${expected}; read it again and send the change on that version`);
}

/** The version an `If-Match` header names (`W/"3"`, `"3"`); undefined without one; 400 for anything else. */
export function ifMatchVersion(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0]! : header;
  const match = /^\s*(?:W\/)?"([1-9]\d{0,8})"\s*$/.exec(value);
  if (!match) throw ValidationError.field('If-Match', 'expected the ETag of the version read, e.g. W/"1"');
  return Number(match[1]);
}
