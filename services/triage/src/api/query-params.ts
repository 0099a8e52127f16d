import { CARE_TEAM_ID } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { EARLIEST_CLINICAL_DATE } from '@varde/fhir';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** `limit` query parameter: a whole number 1–1000, default 100. */
export function parseLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
    throw ValidationError.field('limit', `expected a whole number from 1 to ${MAX_LIMIT}`);
  }
  return Number(value);
}

/** An optional query parameter that must be one of `allowed`. */
export function parseOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw ValidationError.field(name, `expected one of ${allowed.join(', ')}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An internal id (UUID) from a path or query parameter. */
export function parseId(name: string, value: unknown, what: string): string {
  if (typeof value === 'string' && UUID.test(value)) return value;
  throw ValidationError.field(name, `expected ${what} (UUID)`);
}

/** An optional ISO 8601 date-time query parameter. */
export function parseInstant(name: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw ValidationError.field(name, 'expected an ISO 8601 date or date-time, e.g. 2026-11-01T00:00:00Z');
  // Year 0000 parses but no database date holds it; nothing Varde records is older than EARLIEST_CLINICAL_DATE.
  if (date < new Date(EARLIEST_CLINICAL_DATE)) throw ValidationError.field(name, `expected a date from ${EARLIEST_CLINICAL_DATE.slice(0, 10)} on`);
  return date;
}

/** An optional pathway id query parameter, e.g. `copd`. */
export function parsePathway(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) return value;
  throw ValidationError.field('pathway', 'expected a pathway id such as "copd"');
}

/** An optional care team id query parameter, e.g. `lungepoliklinikken-ahus`. */
export function parseCareTeam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && CARE_TEAM_ID.test(value)) return value;
  throw ValidationError.field('team', 'expected a care team id such as "copd-care-team" (lower-case letters, digits and hyphens)');
}

/** An optional subject id query parameter (a clinician an alert is assigned to). */
export function parseSubject(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.trim().length > 0 && value.length <= 200) return value.trim();
  throw ValidationError.field(name, 'expected the subject id of a clinician (1–200 characters)');
}
