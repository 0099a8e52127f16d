import type { QuestionnaireResponse, Reference } from '@medplum/fhirtypes';
import { ValidationError, type FieldIssue } from '@varde/core';
import { EARLIEST_CLINICAL_DATE } from '@varde/fhir';
import type { ResponseSubmission } from '../application/submit-response.handler';
import type { ResponseParty, ResponseStatus } from '../domain/response.events';

const RESOURCE = 'QuestionnaireResponse';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;
/** How far in the future an authored time may be: clients' clocks drift, not by more. */
const MAX_FUTURE_MS = 5 * 60_000;
/** The earliest authored time accepted: Varde's earliest clinical date, which every consumer (protobuf Timestamps, triage windows, PDF dates) handles. */
const EARLIEST_AUTHORED = Date.parse(EARLIEST_CLINICAL_DATE);
const STATUSES: readonly ResponseStatus[] = ['in-progress', 'completed', 'amended'];
const PARTY = /^(Patient|RelatedPerson|Practitioner|PractitionerRole)\/[A-Za-z0-9\-.]{1,64}$/;

const party = (reference: Reference | undefined): ResponseParty | undefined =>
  reference ? { ...(reference.reference ? { reference: reference.reference } : {}), ...(reference.display ? { display: reference.display } : {}) } : undefined;

/**
 * Checks what a QuestionnaireResponse must carry for Varde to take it: the questionnaire's canonical, a status it
 * handles, an internal patient as subject, an authored time no consumer chokes on (1900 to a few minutes ahead),
 * author/source as Patient, RelatedPerson or Practitioner references. Its answers are checked by the application
 * against the exact questionnaire version.
 */
export function validateQuestionnaireResponse(body: unknown, now: Date): ResponseSubmission {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ValidationError.field('body', 'expected a JSON object');
  const qr = body as QuestionnaireResponse;
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string): void => void issues.push({ field: `${RESOURCE}${field ? `.${field}` : ''}`, message });
  if (qr.resourceType !== RESOURCE) issue('resourceType', `expected "${RESOURCE}"`);
  const [url, version, extra] = typeof qr.questionnaire === 'string' ? qr.questionnaire.split('|') : [];
  if (!url || extra !== undefined || version === '') issue('questionnaire', 'required: the canonical of the questionnaire answered, "url|version" (or the url alone for the version assigned to the patient)');
  if (!STATUSES.includes(qr.status as ResponseStatus)) issue('status', `expected one of ${STATUSES.join(', ')}`);
  const reference = typeof qr.subject?.reference === 'string' ? /^Patient\/(.+)$/.exec(qr.subject.reference) : null;
  if (!reference || !UUID.test(reference[1]!)) issue('subject.reference', 'required: "Patient/<internal patient id (UUID)>"');
  if (typeof qr.authored !== 'string' || !DATE_TIME.test(qr.authored)) issue('authored', 'required: when the form was filled in, an ISO 8601 date-time with time zone, e.g. 2026-11-22T08:00:00+01:00');
  else if (Date.parse(qr.authored) > now.getTime() + MAX_FUTURE_MS) issue('authored', 'is in the future');
  else if (!(Date.parse(qr.authored) >= EARLIEST_AUTHORED)) issue('authored', `is before ${EARLIEST_CLINICAL_DATE.slice(0, 10)}; expected when the form was filled in`);
  for (const field of ['author', 'source'] as const) {
    const ref = qr[field]?.reference;
    if (qr[field] !== undefined && (typeof ref !== 'string' || !PARTY.test(ref))) issue(`${field}.reference`, 'expected "Patient/<id>", "RelatedPerson/<id>" or "Practitioner/<id>"');
  }
  if (qr.item !== undefined && !Array.isArray(qr.item)) issue('item', 'expected an array of items');
  if (issues.length > 0) throw new ValidationError(issues);
  return {
    patientId: reference![1]!.toLowerCase(),
    questionnaire: { url: url!, ...(version !== undefined ? { version } : {}) },
    status: qr.status as ResponseStatus,
    authoredAt: new Date(qr.authored!).toISOString(),
    items: qr.item ?? [],
    ...(qr.author ? { author: party(qr.author) } : {}),
    ...(qr.source ? { source: party(qr.source) } : {}),
  };
}
