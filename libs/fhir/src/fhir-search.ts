import type { Bundle, Resource } from '@medplum/fhirtypes';
import { ValidationError } from '@varde/core';

/** Query parameters as Fastify hands them over: repeated names become arrays. */
export type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

/** A link of a searchset: its relation and the query after the base (`Observation?patient=…`). */
export type SearchLink = Readonly<{ relation: string; query: string }>;

/**
 * A searchset Bundle as R4 wants it: absolute `fullUrl`s (`<base>/<type>/<id>`) and absolute links, the `total` of
 * all matches (not only this page's); with `_summary=count` (`countOnly`) the total alone.
 */
export function searchset<T extends Resource>(base: string, resources: readonly T[], total: number, links: readonly SearchLink[], countOnly = false): Bundle<T> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: links.map((l) => ({ relation: l.relation, url: `${base}/${l.query}` })),
    ...(countOnly ? {} : { entry: resources.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' as const } })) }),
  };
}

/** Where a keyset page ends: the sort time and id of its last match (the next page starts after it). */
export type SearchCursor = Readonly<{ t: string; id: string }>;

/** The opaque `_cursor` of a next link. */
export const encodeCursor = (cursor: SearchCursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

/** A `_cursor` as a next link carries it; a ValidationError for anything else (a cursor is never made up by hand). */
export function decodeCursor(value: string | undefined): SearchCursor | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<SearchCursor>;
    if (typeof parsed.t === 'string' && typeof parsed.id === 'string' && !Number.isNaN(Date.parse(parsed.t))) return { t: parsed.t, id: parsed.id };
  } catch {
    // fall through: any cursor that is not one of ours is refused the same way
  }
  throw ValidationError.field('_cursor', 'expected the cursor of a next link, unchanged');
}

/** A parameter given once; a ValidationError when repeated. */
export function oneParam(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw ValidationError.field(name, 'expected once');
  return value;
}

/** R4's parameters of every interaction (format and pretty-printing), never an unknown search parameter. */
const GENERAL_PARAMETERS: ReadonlySet<string> = new Set(['_format', '_pretty']);

/**
 * Refuses parameters a search does not know, so a typo never widens a search silently — unless the client asked for
 * `Prefer: handling=lenient`, when R4 lets the server ignore them.
 */
export function assertKnownParams(query: RawQuery, known: ReadonlySet<string>, handling: 'strict' | 'lenient'): void {
  const unknown = Object.keys(query).filter((name) => !known.has(name) && !GENERAL_PARAMETERS.has(name));
  if (unknown.length > 0 && handling === 'strict') throw new ValidationError(unknown.map((name) => ({ field: name, message: `unknown search parameter; supported: ${[...known].join(', ')}` })));
}

/** The R4 result parameters every Varde search takes besides its own. */
export const RESULT_PARAMETERS = ['_count', '_sort', '_summary', '_total', '_cursor', '_format'] as const;

/** What the result parameters of a search ask for. */
export type SearchResultParams<S extends string> = Readonly<{ count: number; sort: S; countOnly: boolean; after?: SearchCursor }>;

/**
 * `_count` (1 to `maxCount`, default 50), `_sort` (one of `sorts`, default `defaultSort`), `_summary` (`count`: the
 * total alone, or `false`), `_total` (none, estimate, accurate: Varde's totals are always accurate) and `_cursor`.
 */
export function searchResultParams<S extends string>(query: RawQuery, sorts: readonly S[], defaultSort: S, maxCount = 1000): SearchResultParams<S> {
  const countText = oneParam(query, '_count') ?? '50';
  const count = /^\d{1,4}$/.test(countText) ? Number(countText) : NaN;
  if (!(count >= 1 && count <= maxCount)) throw ValidationError.field('_count', `expected a whole number from 1 to ${maxCount}`);
  const summary = oneParam(query, '_summary');
  if (summary !== undefined && summary !== 'count' && summary !== 'false') throw ValidationError.field('_summary', 'supported: count (the total only) or false');
  const total = oneParam(query, '_total');
  if (total !== undefined && !['none', 'estimate', 'accurate'].includes(total)) throw ValidationError.field('_total', 'expected none, estimate or accurate (the total is always accurate)');
  const sort = oneParam(query, '_sort') ?? defaultSort;
  if (!(sorts as readonly string[]).includes(sort)) throw ValidationError.field('_sort', `expected one of ${sorts.join(', ')}`);
  const after = decodeCursor(oneParam(query, '_cursor'));
  return { count, sort: sort as S, countOnly: summary === 'count', ...(after ? { after } : {}) };
}

/**
 * The query a search's links repeat: the parameters used among `known`, in their order, with the `defaults` a page
 * depends on made explicit (`_count`, `_sort`) and without `_cursor` and `_format` (a page's link adds its own
 * cursor, see {@link pageLink}).
 */
export function linkQuery(query: RawQuery, known: Iterable<string>, defaults: Readonly<Record<string, string | number>> = {}): string {
  const used = new URLSearchParams();
  for (const name of known) if (name !== '_cursor' && name !== '_format') for (const value of [query[name] ?? []].flat()) used.append(name, value);
  for (const [name, value] of Object.entries(defaults)) if (!used.has(name)) used.set(name, String(value));
  return used.toString();
}

/** The query string of a page of a search: its link query, and the cursor where the page starts. */
export const pageLink = (query: string, after?: SearchCursor): string => (after ? `${query}&_cursor=${encodeCursor(after)}` : query);
