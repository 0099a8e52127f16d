import { ValidationError } from '@varde/core';
import type { FhirSearchParam } from '@varde/fhir';
import type { AuthoredBound, ResponseSearch } from '../application/response-index.port';
import type { ResponseStatus } from '../domain/response.events';

/** `subject` as the forms API takes it: a reference to a patient by internal id. */
export const SUBJECT = /^Patient\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The QuestionnaireResponse search parameters served (checked here, listed in the CapabilityStatement). */
export const QUESTIONNAIRE_RESPONSE_SEARCH_PARAMS: readonly FhirSearchParam[] = [
  { name: 'subject', type: 'reference', documentation: 'Required: Patient/<id>, the patient whose responses are searched' },
  { name: 'questionnaire', type: 'reference', documentation: 'The questionnaire answered: its canonical url, or url|version' },
  { name: 'status', type: 'token', documentation: 'in-progress, completed or amended (comma-separated for any of them)' },
  { name: 'authored', type: 'date', documentation: 'When authored: eq/gt/ge/lt/le on a date (a UTC day) or a date-time with zone; repeatable' },
];

const PARAMETERS = [...QUESTIONNAIRE_RESPONSE_SEARCH_PARAMS.map((p) => p.name), '_count'];
const STATUSES: readonly ResponseStatus[] = ['in-progress', 'completed', 'amended'];
const AUTHORED = /^(eq|gt|ge|lt|le)?(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const DAY_MS = 86_400_000;

/**
 * The search `GET /fhir/QuestionnaireResponse?…` asks for, checked: `subject` (required, `Patient/<id>`),
 * `questionnaire` (a url, or `url|version`), `status` (comma-separated), `authored` (repeatable, FHIR prefixes
 * eq/gt/ge/lt/le on a date — a UTC day — or a date-time with zone), `_count` (1–100, default 50).
 */
export function responseSearchOf(query: Readonly<Record<string, string | string[] | undefined>>): ResponseSearch {
  for (const [name, value] of Object.entries(query)) {
    if (!PARAMETERS.includes(name)) throw ValidationError.field(name, `unknown search parameter; QuestionnaireResponse is searched by ${PARAMETERS.join(', ')}`);
    if (name !== 'authored' && typeof value !== 'string') throw ValidationError.field(name, 'expected one value');
  }
  const one = (name: string): string | undefined => query[name] as string | undefined;
  const subject = SUBJECT.exec(one('subject') ?? '');
  if (!subject) throw ValidationError.field('subject', 'required: "Patient/<internal patient id (UUID)>"');
  const questionnaire = one('questionnaire');
  const [questionnaireUrl, questionnaireVersion, extra] = questionnaire === undefined ? [] : questionnaire.split('|');
  if (questionnaire !== undefined && (!questionnaireUrl || extra !== undefined || questionnaireVersion === '')) throw ValidationError.field('questionnaire', 'expected a questionnaire url, or "url|version"');
  const status = one('status');
  const statuses = status?.split(',');
  const unknown = statuses?.find((s) => !(STATUSES as readonly string[]).includes(s));
  if (unknown !== undefined) throw ValidationError.field('status', `expected one or more of ${STATUSES.join(', ')} (comma-separated); got "${unknown}"`);
  const count = one('_count');
  const limit = count === undefined ? 50 : Number(count);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw ValidationError.field('_count', 'expected a whole number from 1 to 100');
  const authored = [query['authored'] ?? []].flat().map(authoredBound);
  return {
    patientId: subject[1]!,
    ...(questionnaireUrl ? { questionnaireUrl } : {}),
    ...(questionnaireVersion ? { questionnaireVersion } : {}),
    ...(statuses ? { statuses: statuses as ResponseStatus[] } : {}),
    ...(authored.length > 0 ? { authored } : {}),
    limit,
  };
}

function authoredBound(value: string): AuthoredBound {
  const match = AUTHORED.exec(value);
  const from = match ? Date.parse(match[3] ? `${match[2]}${match[3]}` : `${match[2]}T00:00:00Z`) : Number.NaN;
  if (!match || Number.isNaN(from)) throw ValidationError.field('authored', `expected an optional prefix (eq, gt, ge, lt, le) and a date (2026-12-01) or a date-time with zone; got "${value}"`);
  const to = match[3] ? from + 1 : from + DAY_MS;
  return { comparator: (match[1] ?? 'eq') as AuthoredBound['comparator'], from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
