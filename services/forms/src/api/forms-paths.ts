import { fhirPaths } from '@varde/fhir';

/**
 * How a FHIR client names what forms' domain speaks of: a response's `questionnaire` is its
 * `QuestionnaireResponse.questionnaire`, a command's id its `Idempotency-Key`; a questionnaire is a Questionnaire and a
 * questionnaire response a QuestionnaireResponse (`questionnaire q-1` is `Questionnaire/q-1`). A refusal is thrown as a
 * FHIR client reads it with `handle(…).catch(formsPaths.rethrow)` or `throw formsPaths.refusal(error)`.
 */
export const formsPaths = fhirPaths(
  { questionnaire: 'QuestionnaireResponse.questionnaire', commandId: 'Idempotency-Key' },
  { questionnaire: 'Questionnaire', 'questionnaire response': 'QuestionnaireResponse' },
);
