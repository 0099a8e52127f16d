import type { FhirSearchParam } from '@varde/fhir';
import { fhirMetadataController } from '@varde/platform';
import { QUESTIONNAIRE_RESPONSE_SEARCH_PARAMS } from './response-search.params';

/** The Questionnaire search parameters served (what `GET /fhir/Questionnaire` checks parameters against). */
export const QUESTIONNAIRE_SEARCH_PARAMS: readonly FhirSearchParam[] = [
  { name: 'url', type: 'uri', documentation: 'The canonical url' },
  { name: 'version', type: 'token', documentation: 'The business version' },
  { name: 'status', type: 'token', documentation: 'draft, active or retired' },
  { name: 'name', type: 'string', documentation: 'The computer-friendly name' },
  { name: 'subject', type: 'reference', documentation: 'Patient/<id>: the questionnaires assigned to the patient' },
];

/**
 * `GET /fhir/metadata` of forms: its own CapabilityStatement (Questionnaire, QuestionnaireResponse), generated from
 * its routes. Not routed publicly: the statement of the FHIR base (measurements') includes these resources.
 */
export const FormsFhirMetadataHttpController = fhirMetadataController({
  software: 'Varde forms',
  searchParams: { Questionnaire: QUESTIONNAIRE_SEARCH_PARAMS, QuestionnaireResponse: QUESTIONNAIRE_RESPONSE_SEARCH_PARAMS },
  versionedUpdate: ['Questionnaire', 'QuestionnaireResponse'],
  // PUT of a new id saves a draft under it.
  updateCreate: ['Questionnaire'],
});
