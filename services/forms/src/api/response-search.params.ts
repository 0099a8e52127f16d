import { ValidationError } from '@varde/core';
import { assertKnownParams, fhirDateSearch, linkQuery, oneParam, RESULT_PARAMETERS, searchResultParams, type FhirSearchParam, type RawQuery } from '@varde/fhir';
import type { ResponseSearch } from '../application/response-index.port';
import type { ResponseStatus } from '../domain/response.events';

/** `subject` as the forms API takes it: a reference to a patient by internal id. */
export const SUBJECT = /^Patient\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The QuestionnaireResponse search parameters served (checked here, listed in the CapabilityStatement). */
export const QUESTIONNAIRE_RESPONSE_SEARCH_PARAMS: readonly FhirSearchParam[] = [
  { name: 'subject', type: 'reference', documentation: 'Required: Patient/<id>, the patient whose responses are searched' },
  { name: 'questionnaire', type: 'reference', documentation: 'The questionnaire answered: its canonical url, or url|version' },
  { name: 'status', type: 'token', documentation: 'in-progress, completed or amended (comma-separated for any of them)' },
  { name: 'authored', type: 'date', documentation: 'When authored: every R4 prefix; partial dates read in Europe/Oslo; repeatable' },
];

const KNOWN = new Set([...QUESTIONNAIRE_RESPONSE_SEARCH_PARAMS.map((p) => p.name), ...RESULT_PARAMETERS]);
const STATUSES: readonly ResponseStatus[] = ['in-progress', 'completed', 'amended'];
const SORTS = ['-authored', 'authored'] as const;

/** A response search as the request gave it, with what its links repeat (`query`) and whether only the total is asked. */
export type ResponseSearchRequest = ResponseSearch & Readonly<{ countOnly: boolean; query: string }>;

/**
 * The search `GET /fhir/QuestionnaireResponse?…` asks for, checked by the rules of every Varde FHIR search:
 * `subject` (required, `Patient/<id>`), `questionnaire` (a url, or `url|version`), `status` (comma-separated),
 * `authored` (repeatable, every R4 prefix, partial dates in Europe/Oslo), `_count` (1–1000, default 50), `_sort`
 * (`-authored`, the default, or `authored`), `_summary=count`, `_total`, `_cursor` (from a next link). Unknown
 * parameters are refused unless the client asks for `Prefer: handling=lenient`.
 */
export function responseSearchOf(query: RawQuery, handling: 'strict' | 'lenient' = 'strict'): ResponseSearchRequest {
  assertKnownParams(query, KNOWN, handling);
  for (const name of ['subject', 'questionnaire', 'status']) oneParam(query, name);
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
  const { count, sort, countOnly, after } = searchResultParams(query, SORTS, '-authored');
  const authored = [query['authored'] ?? []].flat().flatMap((value) => fhirDateSearch(value, 'authored'));
  return {
    patientId: subject[1]!,
    ...(questionnaireUrl ? { questionnaireUrl } : {}),
    ...(questionnaireVersion ? { questionnaireVersion } : {}),
    ...(statuses ? { statuses: statuses as ResponseStatus[] } : {}),
    authored,
    count,
    descending: sort === '-authored',
    ...(after ? { after } : {}),
    countOnly,
    query: linkQuery(query, KNOWN, { _count: count, _sort: sort }),
  };
}
