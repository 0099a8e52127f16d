import type { DomainEvent } from '@varde/core';
import type { Score } from './questionnaire-catalogue';

/** A patient's completed answers to a questionnaire were accepted and scored. */
export type QuestionnaireResponseSubmitted = DomainEvent<
  'QuestionnaireResponseSubmitted',
  {
    responseId: string;
    patientId: string;
    questionnaireUrl: string;
    questionnaireVersion: string;
    authoredAt: string;
    /** Answer value by item linkId. */
    answers: Readonly<Record<string, number>>;
    scores: readonly Score[];
    submittedAt: string;
  }
>;

/** Every event of a response stream. */
export type ResponseEvent = QuestionnaireResponseSubmitted;

/** A questionnaire response, folded from its events. */
export type ResponseState = { status: 'none' } | ({ status: 'submitted' } & QuestionnaireResponseSubmitted['data']);

/** The state before any event. */
export const initialResponseState = (): ResponseState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveResponse(state: ResponseState, event: ResponseEvent): ResponseState {
  switch (event.type) {
    case 'QuestionnaireResponseSubmitted':
      return { status: 'submitted', ...event.data };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** The one name of a questionnaire response's stream. */
export const responseStreamId = (responseId: string): string => `questionnaire-response-${responseId}`;
