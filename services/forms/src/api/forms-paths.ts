import { fhirPaths, inFhirTerms, rethrowInFhirTerms } from '@varde/fhir';

/**
 * How a FHIR client names what forms' domain speaks of: a questionnaire is a Questionnaire and a questionnaire
 * response a QuestionnaireResponse (`questionnaire q-1` is `Questionnaire/q-1`). The domain names no fields of them.
 */
export const formsPaths = fhirPaths({}, { questionnaire: 'Questionnaire', 'questionnaire response': 'QuestionnaireResponse' });

/** Throws a domain refusal as a FHIR client reads it: `handle(…).catch(rethrowAsFhirRefusal)`. */
export const rethrowAsFhirRefusal = rethrowInFhirTerms(formsPaths);

/** A domain refusal as a FHIR client reads it (see {@link formsPaths}). */
export const asFhirRefusal = (error: unknown): unknown => inFhirTerms(error, formsPaths);
