import { ValidationError } from '@varde/core';
import { fhirDateRange } from './fhir-date';

// What PostgreSQL and every consumer can hold; a search or window past it is a client's mistake, not a 500.
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59Z');

/** Whether an instant (ms since the epoch) lies in years 0001–9999, what a search may name. */
export const isSearchableInstant = (t: number): boolean => t >= EARLIEST && t <= LATEST;

/** The R4 prefixes of a `date` search value. */
export const DATE_SEARCH_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
type DatePrefix = (typeof DATE_SEARCH_PREFIXES)[number];

/** One bound on a searched time, or (`outside`) a range it must not fall in: `[at, until)`. */
export type FhirDateBound = Readonly<{ op: 'ge' | 'lt'; at: string } | { op: 'outside'; at: string; until: string }>;

/**
 * A FHIR `date` search value (`[prefix]value`, prefix eq when absent) as bounds on a time. The value stands for a
 * range — `2026-12` is that month, `2026-12-01` that day, both in Europe/Oslo, a date-time the instant to its
 * precision — and each prefix compares the searched time with it as R4 says: eq within, ne outside, gt/sa after,
 * lt/eb before, ge from its start, le to its end, ap within it widened by a tenth of its distance from now.
 * ValidationError naming `field` for anything else.
 */
export function fhirDateSearch(text: string, field = 'date', now = Date.now()): FhirDateBound[] {
  const prefix = (DATE_SEARCH_PREFIXES as readonly string[]).includes(text.slice(0, 2)) ? (text.slice(0, 2) as DatePrefix) : 'eq';
  const value = prefix === 'eq' && !text.startsWith('eq') ? text : text.slice(2);
  const range = fhirDateRange(value);
  if (!range || !isSearchableInstant(range.start.getTime()) || !isSearchableInstant(range.end.getTime() - 1)) {
    throw ValidationError.field(field, `expected [${DATE_SEARCH_PREFIXES.join('|')}] and a FHIR date or date-time from year 0001 to 9999, e.g. ge2026-11-01, 2026-12 or le2026-11-22T08:00:00Z`);
  }
  const start = range.start.toISOString();
  const end = range.end.toISOString();
  switch (prefix) {
    case 'eq':
      return [{ op: 'ge', at: start }, { op: 'lt', at: end }];
    case 'ne':
      return [{ op: 'outside', at: start, until: end }];
    case 'gt':
    case 'sa':
      return [{ op: 'ge', at: end }];
    case 'lt':
    case 'eb':
      return [{ op: 'lt', at: start }];
    case 'ge':
      return [{ op: 'ge', at: start }];
    case 'le':
      return [{ op: 'lt', at: end }];
    case 'ap': {
      const slack = Math.abs(now - range.start.getTime()) / 10;
      return [{ op: 'ge', at: new Date(Math.max(EARLIEST, range.start.getTime() - slack)).toISOString() }, { op: 'lt', at: new Date(Math.min(LATEST, range.end.getTime() + slack)).toISOString() }];
    }
    default: {
      const _exhaustive: never = prefix;
      return [];
    }
  }
}
