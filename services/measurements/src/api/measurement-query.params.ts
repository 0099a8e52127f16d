import { ValidationError } from '@varde/core';
import { assertKnownParams, encodeCursor, fhirDateSearch, isSearchableInstant, linkQuery, oneParam, pageLink, RESULT_PARAMETERS, searchResultParams, type FhirSearchParam, type RawQuery } from '@varde/fhir';
import type { CodeFilter, MeasurementSearch, SearchCursor } from '../infrastructure/measurement-search.query';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// FHIR dateTime with a zone, or a date (read as midnight UTC).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const CODE = /^[A-Za-z0-9.\-]{1,64}$/;
/** The Observation search parameters served (what the CapabilityStatement lists; `subject:identifier` is `subject` with its modifier). */
export const OBSERVATION_SEARCH_PARAMS: readonly FhirSearchParam[] = [
  { name: 'patient', type: 'reference', documentation: 'The internal patient id, as <id> or Patient/<id>; this, subject or subject:identifier is required' },
  { name: 'subject', type: 'reference', documentation: 'Patient/<id>; subject:identifier=<fødselsnummer or D-number system>|<number> names the patient by national id' },
  { name: 'code', type: 'token', documentation: 'system|code or a bare code; several, comma-separated, match any' },
  { name: 'category', type: 'token', documentation: 'system|code or a bare code of Observation.category as sent (e.g. vital-signs); several match any' },
  { name: 'date', type: 'date', documentation: 'Effective time; every R4 prefix; partial dates read in Europe/Oslo' },
  { name: 'identifier', type: 'token', documentation: 'system|value or a bare value of an Observation.identifier' },
  { name: '_lastUpdated', type: 'date', documentation: 'When the Observation last changed (meta.lastUpdated); every R4 prefix' },
];
// Result parameters besides: paging, order, counting, the format, and subsetting.
const SEARCH_PARAMETERS = new Set([...OBSERVATION_SEARCH_PARAMS.map((p) => p.name), 'subject:identifier', '_count', '_sort', '_elements', ...RESULT_PARAMETERS]);
const SORTS = { date: ['date', false], '-date': ['date', true], _lastUpdated: ['_lastUpdated', false], '-_lastUpdated': ['_lastUpdated', true] } as const;
const ELEMENT = /^[a-z][A-Za-z0-9]{0,63}$/;

export type { RawQuery } from '@varde/fhir';

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

/** Whose measurements a search is about: a patient id, or a national identity number still to resolve. */
export type SearchSubject = Readonly<{ patientId: string } | { identifier: Readonly<{ system: string; value: string }> }>;

/** A search as the request gave it, before its subject is resolved to a patient id. */
export type SearchRequest = Omit<MeasurementSearch, 'patientId'> &
  Readonly<{
    subject: SearchSubject;
    /** The top-level elements `_elements` asks for (empty: all). */
    elements: readonly string[];
    countOnly: boolean;
    /** The parameters used, in a fixed order, as links repeat them (no cursor, no parameter ignored as unknown). */
    query: string;
  }>;

/** Values of a parameter given once or repeated; each may be a comma-separated list (R4: any of them matches). */
const listOf = (query: RawQuery, name: string): string[] => [query[name] ?? []].flat().flatMap((v) => v.split(','));

/** `system|value` tokens of a parameter. */
function tokens(query: RawQuery, name: string, valid: RegExp): { system?: string; value: string }[] {
  return listOf(query, name).map((text) => {
    const bar = text.lastIndexOf('|');
    const system = bar >= 0 ? text.slice(0, bar) : undefined;
    const value = bar >= 0 ? text.slice(bar + 1) : text;
    if (!valid.test(value) || system === '' || (system !== undefined && system.length > 2048)) throw ValidationError.field(name, `expected a code or system|code, e.g. ${name === 'identifier' ? 'urn:oid:1.2.3|abc-1' : 'http://loinc.org|2708-6'}`);
    return system === undefined ? { value } : { system, value };
  });
}

/** The subject of a search from `patient`, `subject` or `subject:identifier`: exactly one of them. */
function subjectOf(query: RawQuery): SearchSubject {
  const given = (['patient', 'subject', 'subject:identifier'] as const).filter((name) => query[name] !== undefined);
  if (given.length === 0) throw ValidationError.field('patient', 'required: the patient, as patient=<id>, subject=Patient/<id> or subject:identifier=<system>|<national id>');
  if (given.length > 1) throw ValidationError.field(given[1]!, `give the patient once: ${given.join(' and ')} were both sent`);
  const name = given[0]!;
  const value = oneParam(query, name)!;
  if (name !== 'subject:identifier') return { patientId: patientParam(value, name) };
  const bar = value.indexOf('|');
  if (bar <= 0) throw ValidationError.field(name, 'expected <system>|<value>, e.g. urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>');
  return { identifier: { system: value.slice(0, bar), value: value.slice(bar + 1) } };
}

/**
 * `GET /fhir/Observation` parameters (see {@link OBSERVATION_SEARCH_PARAMS}): the patient, `code`, `category`,
 * `identifier` (each repeatable and comma-separated: any matches), `date` and `_lastUpdated` (repeatable, every R4
 * prefix, see fhirDateSearch in @varde/fhir), `_count` (1–1000, default 50), `_sort` (`date`, `-date`,
 * `_lastUpdated`, `-_lastUpdated`; default `-date`), `_elements`, `_summary=count`, `_total`, `_cursor`.
 * Unknown parameters are refused rather than silently ignored, so a typo never widens a search, unless the client
 * asks for `Prefer: handling=lenient`.
 */
export function searchParams(query: RawQuery, handling: 'strict' | 'lenient' = 'strict'): SearchRequest {
  assertKnownParams(query, SEARCH_PARAMETERS, handling);
  const subject = subjectOf(query);
  const dates = [query['date'] ?? []].flat().flatMap((value) => fhirDateSearch(value, 'date'));
  const lastUpdated = [query['_lastUpdated'] ?? []].flat().flatMap((value) => fhirDateSearch(value, '_lastUpdated'));
  const { count, sort, countOnly, after } = searchResultParams(query, Object.keys(SORTS) as (keyof typeof SORTS)[], '-date');
  const [orderBy, descending] = SORTS[sort];
  const elements = listOf(query, '_elements');
  const badElement = elements.find((e) => !ELEMENT.test(e));
  if (badElement !== undefined) throw ValidationError.field('_elements', 'expected top-level element names, comma-separated, e.g. code,valueQuantity,effectiveDateTime');
  const codes = tokens(query, 'code', CODE).map((t) => ({ ...(t.system ? { system: t.system } : {}), code: t.value }));
  const categories = tokens(query, 'category', CODE).map((t) => ({ ...(t.system ? { system: t.system } : {}), code: t.value }));
  const identifiers = tokens(query, 'identifier', /^.{1,1024}$/);
  return { subject, codes, categories, identifiers, dates, lastUpdated, count, orderBy, descending, elements, countOnly, query: linkQuery(query, SEARCH_PARAMETERS, { _count: count, _sort: sort }), ...(after ? { after } : {}) };
}

/** The query string of a page of a search (for `self` and `next` links). */
export const pageQuery = (search: SearchRequest, after?: SearchCursor): string => pageLink(search.query, after);

export { encodeCursor };

/**
 * The resource with only the top-level elements `_elements` names, and those R4 makes mandatory in every
 * subset (`resourceType`, `id`, `meta`, and Observation's `status` and `code`), tagged SUBSETTED as R4 requires.
 */
export function subsetted<T extends { meta?: { tag?: readonly unknown[] } }>(resource: T, elements: readonly string[]): T {
  if (elements.length === 0) return resource;
  const keep = new Set(['resourceType', 'id', 'meta', 'status', 'code', ...elements]);
  const kept = Object.fromEntries(Object.entries(resource).filter(([key]) => keep.has(key))) as T;
  const tag = [...(resource.meta?.tag ?? []), { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' }];
  return { ...kept, meta: { ...resource.meta, tag } };
}

/** Refuses parameters other than `names`, and any of them given twice, so a typo never changes an answer silently. */
export function onlyParams(query: RawQuery, names: readonly string[]): void {
  const unknown = Object.keys(query).filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new ValidationError(unknown.map((name) => ({ field: name, message: `supported: ${names.join(', ')}` })));
  for (const name of names) if (Array.isArray(query[name])) throw ValidationError.field(name, 'expected once');
}
