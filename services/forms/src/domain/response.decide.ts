import { IllegalStateError, type Decider, type DomainCommand } from '@varde/core';
import { evolveResponse, initialResponseState, responseSubject, sameAnswers, type ResponseContent, type ResponseEvent, type ResponseState, type ResponseStatus, type Score } from './response.events';

/** Save a response version: in progress, completed, or an amendment of a completed one. */
export type SaveQuestionnaireResponse = DomainCommand<
  'SaveQuestionnaireResponse',
  ResponseContent & {
    status: ResponseStatus;
    /** Whether the patient holds an assignment of this questionnaire version (from their assignment stream). */
    assigned: boolean;
    /** Whether the version is still answerable (published, not retired): a retired one takes only amendments. */
    answerable: boolean;
    /** Scores computed by the application from the questionnaire's definitions (empty while in progress). */
    scores: readonly Score[];
  }
>;

/** Every command of the response decider. */
export type ResponseCommand = SaveQuestionnaireResponse;

/**
 * A response's lifecycle: in-progress drafts are saved as often as the patient likes; completing records the
 * scored answers once; a completed response changes only by an amendment (history kept). Sending completed
 * answers again is a no-op when they are the same, and a conflict when they differ.
 */
export function decideResponse(command: ResponseCommand, state: ResponseState): ResponseEvent[] {
  switch (command.type) {
    case 'SaveQuestionnaireResponse': {
      const { status, assigned, answerable, scores, ...content } = command.data;
      const canonical = `${content.questionnaireUrl}|${content.questionnaireVersion}`;
      const response = responseSubject(content.responseId);
      // The questionnaire's state, not the input, refuses it (409): the same response was answerable before the retirement.
      const retired = () => new IllegalStateError(`${canonical} is retired and can no longer be answered`, 'questionnaire');
      if (state.status !== 'none') {
        if (state.patientId !== content.patientId) throw IllegalStateError.about(response, 'belongs to another patient');
        if (`${state.questionnaireUrl}|${state.questionnaireVersion}` !== canonical) throw IllegalStateError.about(response, `answers ${state.questionnaireUrl}|${state.questionnaireVersion}, not ${canonical}`);
      }
      const now = command.metadata.now;
      switch (status) {
        case 'in-progress':
          if (state.status === 'completed' || state.status === 'amended') throw IllegalStateError.about(response, `is ${state.status}; it cannot go back to in-progress (send status "amended" to correct it)`);
          if (!answerable) throw retired();
          if (state.status === 'in-progress' && sameAnswers(state, content)) return [];
          return [{ type: 'QuestionnaireResponseSaved', data: { ...content, savedAt: now } }];
        case 'completed':
          if (state.status === 'completed' || state.status === 'amended') {
            if (sameAnswers(state, content)) return [];
            throw IllegalStateError.about(response, 'was already completed with other answers; a resend must be identical (send status "amended" to correct it)');
          }
          if (!answerable) throw retired();
          if (!assigned) throw new IllegalStateError(`Questionnaire ${canonical} is not assigned to patient ${content.patientId}; nothing was recorded`);
          return [{ type: 'QuestionnaireResponseSubmitted', data: { ...content, scores, submittedAt: now } }];
        case 'amended':
          if (state.status !== 'completed' && state.status !== 'amended') throw IllegalStateError.about(response, 'is not completed; only a completed response can be amended');
          if (sameAnswers(state, content)) return [];
          return [{ type: 'QuestionnaireResponseAmended', data: { ...content, scores, amendedAt: now } }];
        default: {
          const _exhaustive: never = status;
          return [];
        }
      }
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The questionnaire response decider. */
export const responseDecider: Decider<ResponseCommand, ResponseState, ResponseEvent> = {
  decide: decideResponse,
  evolve: evolveResponse,
  initialState: initialResponseState,
};
