import type { Transaction } from '@varde/event-sourcing';
import type { FhirDateBound } from '@varde/fhir';
import type { ResponseStatus } from '../domain/response.events';

/** A response as the index keeps it: its latest version. */
export type IndexedResponse = Readonly<{ responseId: string; patientId: string; questionnaireUrl: string; questionnaireVersion: string; status: ResponseStatus; authoredAt: string; version: number }>;

/** A bound on the authored time of `GET /fhir/QuestionnaireResponse?authored=…` (see fhirDateSearch in @varde/fhir). */
export type AuthoredBound = FhirDateBound;

/** Where a page of a search ends: the authored time and id of its last response. */
export type ResponseCursor = Readonly<{ t: string; id: string }>;

/**
 * What a response search asks: the patient, and optionally the questionnaire (url, or url and version), statuses and
 * authored time; a page of `count` in authored order (newest first when `descending`), after `after`.
 */
export type ResponseSearch = Readonly<{
  patientId: string;
  questionnaireUrl?: string;
  questionnaireVersion?: string;
  statuses?: readonly ResponseStatus[];
  authored: readonly AuthoredBound[];
  count: number;
  descending: boolean;
  after?: ResponseCursor;
}>;

/** A page of responses, the total of all that match, and where the next page starts (when there is one). */
export type ResponsePage<R = IndexedResponse> = Readonly<{ responses: readonly R[]; total: number; next?: ResponseCursor }>;

/** Port: the index of questionnaire responses by patient, written in the transaction of the response's events. */
export abstract class ResponseIndex {
  /** Records the response's latest version in `tx`. */
  abstract apply(tx: Transaction, response: IndexedResponse): Promise<void>;
  /** A page of the responses matching, in authored order, with the total. */
  abstract search(search: ResponseSearch): Promise<ResponsePage>;
}
