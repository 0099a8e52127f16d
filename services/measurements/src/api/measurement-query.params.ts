import { ValidationError } from '@varde/core';
import { fhirDateSearch, isSearchableInstant, type FhirSearchParam } from '@varde/fhir';
import type { CodeFilter, MeasurementSearch, SearchCursor } from '../infrastructure/measurement-search.query';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// FHIR dateTime with a zone, or a date (read as midnight UTC).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const CODE = /^[A-Za-z0-9.\-]{1,64}$/;
/** The Observation search parameters served (what the CapabilityStatement lists). */
export const OBSERVATION_SEARCH_PARAMS: readonly FhirSearchParam[] = [
  { name: 'patient', type: 'reference', documentation: 'Required: the internal patient id, as <id> or Patient/<id>' },
  { name: 'code', type: 'token', documentation: 'system|code or a bare code' },
  { name: 'date', type: 'date', documentation: 'Effective time; every R4 prefix; partial dates read in Europe/Oslo' },
];
// Result parameters besides: paging, order, the format, and counting.
const SEARCH_PARAMETERS = new Set([...OBSERVATION_SEARCH_PARAMS.map((p) => p.name), '_count', '_sort', '_cursor', '_format', '_summary', '_total']);

/** Query parameters as Fastify hands them over: repeated names become arrays. */
export type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

const one = (query: RawQuery, name: string): string | undefined => {
  const value = query[name];
  if (Array.isArray(value)) throw ValidationError.field(name, 'expected once');
  return value;
};

/** A patient id parameter (internal UUID), lower-cased. */
export function patientParam(value: string | undefined, name: string): string {
  if (!value) throw ValidationError.field(name, 'required: the internal patient id');
  const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
  if (!UUID.test(id)) throw ValidationError.field(name, 'expected an internal patient id (UUID) or Patient/<id>');
  return id.toLowerCase();
}

/** `system|code` or a bare code. */
export function codeParam(value: string | undefined, name: string): CodeFilter | undefined {
  if (value === undefined) return undefined;
  const bar = value.lastIndexOf('|');
  const system = bar >= 0 ? value.slice(0, bar) : undefined;
  const code = bar >= 0 ? value.slice(bar + 1) : value;
  if (!CODE.test(code) || system === '') throw ValidationError.field(name, 'expected a code ("2708-6") or system|code ("http://loinc.org|2708-6")');
  return system ? { system, code } : { code };
}


/** An instant given as a FHIR date or dateTime, as ISO. */
export function instantParam(value: string, name: string): string {
  if (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)) || !isSearchableInstant(Date.parse(value))) {
    throw ValidationError.field(name, 'expected an ISO 8601 date or date-time with time zone from year 0001 to 9999, e.g. 2026-11-22T08:00:00Z');
  }
  return new Date(value).toISOString();
}

function cursorParam(value: string | undefined): SearchCursor | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<SearchCursor>;
    if (typeof parsed.t === 'string' && typeof parsed.id === 'string' && !Number.isNaN(Date.parse(parsed.t))) return { t: parsed.t, id: parsed.id };
  } catch {
    // fall through: any cursor that is not one of ours is refused the same way
  }
  throw ValidationError.field('_cursor', 'expected the cursor of a next link, unchanged');
}

/** The opaque cursor of a next link. */
export const encodeCursor = (cursor: SearchCursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

/**
 * `GET /fhir/Observation` parameters: `patient` (required), `code`, `date` (repeatable, see fhirDateSearch in @varde/fhir), `_count` (1–1000, default 50), `_sort` (`date` or `-date`, default `-date`), `_cursor`.
 * Unknown parameters are refused rather than silently ignored, so a typo never widens a search, unless the client
 * asks for `Prefer: handling=lenient`. `_summary` (`count`), `_total` and `_format` are read by the controller.
 */
export function searchParams(query: RawQuery, handling: 'strict' | 'lenient' = 'strict'): SearchRequest {
  const unknown = Object.keys(query).filter((name) => !SEARCH_PARAMETERS.has(name));
  if (unknown.length > 0 && handling === 'strict') throw new ValidationError(unknown.map((name) => ({ field: name, message: `unknown search parameter; supported: ${[...SEARCH_PARAMETERS].join(', ')}` })));
  const dateTexts = [query['date'] ?? []].flat();
  const dates = dateTexts.flatMap((value) => fhirDateSearch(value));
  const countText = one(query, '_count') ?? '50';
  const count = /^\d{1,4}$/.test(countText) ? Number(countText) : NaN;
  const summary = one(query, '_summary');
  if (summary !== undefined && summary !== 'count' && summary !== 'false') throw ValidationError.field('_summary', 'supported: count (the total only) or false');
  const total = one(query, '_total');
  if (total !== undefined && !['none', 'estimate', 'accurate'].includes(total)) throw ValidationError.field('_total', 'expected none, estimate or accurate (the total is always accurate)');
  if (!(count >= 1 && count <= 1000)) throw ValidationError.field('_count', 'expected a whole number from 1 to 1000');
  const sort = one(query, '_sort') ?? '-date';
  if (sort !== 'date' && sort !== '-date') throw ValidationError.field('_sort', 'expected "date" (oldest first) or "-date" (newest first)');
  const code = codeParam(one(query, 'code'), 'code');
  const after = cursorParam(one(query, '_cursor'));
  return { patientId: patientParam(one(query, 'patient'), 'patient'), ...(code ? { code } : {}), dates, dateTexts, count, descending: sort === '-date', ...(after ? { after } : {}) };
}

/** A search as the request gave it: the date values as sent, for links that repeat them. */
export type SearchRequest = MeasurementSearch & Readonly<{ dateTexts: readonly string[] }>;

/** The canonical query string of a search (for `self` and `next` links). */
export function searchQueryString(search: SearchRequest, after?: SearchCursor): string {
  const params = new URLSearchParams({ patient: search.patientId });
  if (search.code) params.set('code', search.code.system ? `${search.code.system}|${search.code.code}` : search.code.code);
  for (const d of search.dateTexts) params.append('date', d);
  params.set('_count', String(search.count));
  params.set('_sort', search.descending ? '-date' : 'date');
  if (after) params.set('_cursor', encodeCursor(after));
  return params.toString();
}

/** Refuses parameters other than `names`, and any of them given twice, so a typo never changes an answer silently. */
export function onlyParams(query: RawQuery, names: readonly string[]): void {
  const unknown = Object.keys(query).filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new ValidationError(unknown.map((name) => ({ field: name, message: `supported: ${names.join(', ')}` })));
  for (const name of names) if (Array.isArray(query[name])) throw ValidationError.field(name, 'expected once');
}
