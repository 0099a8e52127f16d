import type { Transaction } from '@varde/event-sourcing';
import type { ResponseStatus } from '../domain/response.events';

/** A response as the index keeps it: its latest version. */
export type IndexedResponse = Readonly<{ responseId: string; patientId: string; questionnaireUrl: string; questionnaireVersion: string; status: ResponseStatus; authoredAt: string; version: number }>;

/** An authored-time comparison of `GET /fhir/QuestionnaireResponse?authored=…`. */
export type AuthoredBound = Readonly<{ comparator: 'eq' | 'gt' | 'ge' | 'lt' | 'le'; from: string; to: string }>;

/** What a response search asks: the patient, and optionally the questionnaire (url, or url and version), statuses and authored time. */
export type ResponseSearch = Readonly<{ patientId: string; questionnaireUrl?: string; questionnaireVersion?: string; statuses?: readonly ResponseStatus[]; authored?: readonly AuthoredBound[]; limit: number }>;

/** Port: the index of questionnaire responses by patient, written in the transaction of the response's events. */
export abstract class ResponseIndex {
  /** Records the response's latest version in `tx`. */
  abstract apply(tx: Transaction, response: IndexedResponse): Promise<void>;
  /** The responses matching, most recently authored first. */
  abstract search(search: ResponseSearch): Promise<IndexedResponse[]>;
}
