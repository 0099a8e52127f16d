import { IllegalStateError, ValidationError, type Decider, type DomainCommand } from '@varde/core';
import { evolveResponse, initialResponseState, type ResponseEvent, type ResponseState } from './response.events';
import { scoreAnswers, type QuestionnaireVersion } from './questionnaire-catalogue';

/** Submit a patient's completed answers to a questionnaire version. */
export type SubmitQuestionnaireResponse = DomainCommand<
  'SubmitQuestionnaireResponse',
  {
    responseId: string;
    patientId: string;
    questionnaire: QuestionnaireVersion;
    /** Whether the patient holds an assignment of this questionnaire version (from their assignment stream). */
    assigned: boolean;
    authoredAt: string;
    answers: Readonly<Record<string, number>>;
  }
>;

/** Every command of the response decider. */
export type ResponseCommand = SubmitQuestionnaireResponse;

/**
 * Accepts a complete response to an assigned questionnaire and scores it. A response is immutable: the same
 * response id again changes nothing.
 */
export function decideResponse(command: ResponseCommand, state: ResponseState): ResponseEvent[] {
  switch (command.type) {
    case 'SubmitQuestionnaireResponse': {
      if (state.status === 'submitted') return [];
      const { responseId, patientId, questionnaire, assigned, authoredAt, answers } = command.data;
      if (!assigned) {
        throw new IllegalStateError(`Questionnaire ${questionnaire.url}|${questionnaire.version} is not assigned to patient ${patientId}; nothing was recorded`);
      }
      const out = questionnaire.items.find((item) => !(Number.isInteger(answers[item.linkId]) && answers[item.linkId]! >= item.min && answers[item.linkId]! <= item.max));
      if (out) throw ValidationError.field(out.linkId, `expected a whole number from ${out.min} to ${out.max}`);
      return [
        {
          type: 'QuestionnaireResponseSubmitted',
          data: {
            responseId,
            patientId,
            questionnaireUrl: questionnaire.url,
            questionnaireVersion: questionnaire.version,
            authoredAt,
            answers,
            scores: scoreAnswers(questionnaire, answers),
            submittedAt: command.metadata.now,
          },
        },
      ];
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
