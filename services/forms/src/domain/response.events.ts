import { sameJson, type DomainEvent, type Subject } from '@varde/core';

/** A code from a terminology. */
export type ScoreCode = Readonly<{ system: string; code: string; display?: string }>;

/** A computed score of one response: the code rules use, further codings of the same score (e.g. LOINC), the value. */
export type Score = Readonly<{ code: ScoreCode; codings?: readonly ScoreCode[]; value: number }>;

/** Who answered: a reference (`Patient/<id>`, `RelatedPerson/<id>`, `Practitioner/<id>`) and a display, as the response names them. */
export type ResponseParty = Readonly<{ reference?: string; display?: string }>;

/** What every version of a response holds. Older events (CAT v1) carry only `answers`; see {@link itemsOf}. */
export type ResponseContent = Readonly<{
  responseId: string;
  patientId: string;
  questionnaireUrl: string;
  questionnaireVersion: string;
  authoredAt: string;
  /** Answers on a numeric scale by item linkId (integer, decimal, quantity values; choices by their ordinalValue): what triage may use. */
  answers: Readonly<Record<string, number>>;
  /** The response's items as FHIR R4 QuestionnaireResponse.item (answers of every type, pre-fill marks). */
  items?: readonly unknown[];
  author?: ResponseParty;
  source?: ResponseParty;
}>;

/** A patient's completed answers to a questionnaire version were accepted and scored. */
export type QuestionnaireResponseSubmitted = DomainEvent<'QuestionnaireResponseSubmitted', ResponseContent & { scores: readonly Score[]; submittedAt: string }>;

/** Answers in progress were saved, to be resumed later (from any device). Not scored, not published. */
export type QuestionnaireResponseSaved = DomainEvent<'QuestionnaireResponseSaved', ResponseContent & { savedAt: string }>;

/** A completed response was corrected; the earlier version stays in the stream's history. */
export type QuestionnaireResponseAmended = DomainEvent<'QuestionnaireResponseAmended', ResponseContent & { scores: readonly Score[]; amendedAt: string }>;

/** Every event of a response stream. */
export type ResponseEvent = QuestionnaireResponseSubmitted | QuestionnaireResponseSaved | QuestionnaireResponseAmended;

/** The FHIR status a response has after each event. */
export type ResponseStatus = 'in-progress' | 'completed' | 'amended';

/** The FHIR status of the response version each event records. */
export const RESPONSE_STATUS_OF: Readonly<Record<ResponseEvent['type'], ResponseStatus>> = {
  QuestionnaireResponseSubmitted: 'completed',
  QuestionnaireResponseSaved: 'in-progress',
  QuestionnaireResponseAmended: 'amended',
};

/** A questionnaire response, folded from its events. */
export type ResponseState =
  | { status: 'none' }
  | (Readonly<{ status: ResponseStatus; version: number; scores: readonly Score[]; updatedAt: string }> & ResponseContent);

/** The state before any event. */
export const initialResponseState = (): ResponseState => ({ status: 'none' });

const versionAfter = (state: ResponseState): number => (state.status === 'none' ? 1 : state.version + 1);

/** Applies one event to the state. */
export function evolveResponse(state: ResponseState, event: ResponseEvent): ResponseState {
  switch (event.type) {
    case 'QuestionnaireResponseSubmitted': {
      const { submittedAt, ...content } = event.data;
      return { ...content, status: 'completed', version: versionAfter(state), updatedAt: submittedAt };
    }
    case 'QuestionnaireResponseSaved': {
      const { savedAt, ...content } = event.data;
      return { ...content, scores: [], status: 'in-progress', version: versionAfter(state), updatedAt: savedAt };
    }
    case 'QuestionnaireResponseAmended': {
      const { amendedAt, ...content } = event.data;
      return { ...content, status: 'amended', version: versionAfter(state), updatedAt: amendedAt };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The response's items; CAT v1 responses recorded before items were kept get theirs from the numeric answers. */
export const itemsOf = (content: ResponseContent): readonly unknown[] =>
  content.items ?? Object.entries(content.answers).map(([linkId, value]) => ({ linkId, answer: [{ valueInteger: value }] }));

/** The scores a response version carries: a completed or amended one its computed scores, one in progress none. */
export const scoresOf = (data: ResponseEvent['data']): readonly Score[] => ('scores' in data ? data.scores : []);

/** Whether two versions of a response hold the same answers. */
export const sameAnswers = (a: ResponseContent, b: ResponseContent): boolean => sameJson(itemsOf(a), itemsOf(b));

/** The one name of a questionnaire response's stream. */
export const responseStreamId = (responseId: string): string => `questionnaire-response-${responseId}`;

/** A questionnaire response as forms' refusals name it: `questionnaire response r-1`. */
export const responseSubject = (responseId: string): Subject => ({ thing: 'questionnaire response', id: responseId });
