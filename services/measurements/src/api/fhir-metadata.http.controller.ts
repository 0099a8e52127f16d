import { fhirMetadataController } from '@varde/platform';
import { OBSERVATION_SEARCH_PARAMS } from './measurement-query.params';

/** Profiles whose Observations are known to be accepted (R4 vital signs, the Norwegian vital-signs profiles). */
const KNOWN_PROFILES = ['http://hl7.org/fhir/StructureDefinition/vitalsigns', 'http://hl7.org/fhir/StructureDefinition/bp', 'http://hl7.org/fhir/StructureDefinition/bodyweight', 'http://hl7.org/fhir/StructureDefinition/oxygensat', 'http://hl7.org/fhir/StructureDefinition/heartrate'];

/**
 * `GET /fhir/metadata`, the public CapabilityStatement of the FHIR base (the router sends it here): this service's
 * Observation and Bundle routes, and the resources the other services describe at their own `/fhir/metadata`
 * (forms: Questionnaire, QuestionnaireResponse).
 */
export const FhirMetadataHttpController = fhirMetadataController({
  software: 'Varde measurements',
  searchParams: { Observation: OBSERVATION_SEARCH_PARAMS },
  conditionalCreate: ['Observation'],
  versionedUpdate: ['Observation'],
  supportedProfiles: { Observation: KNOWN_PROFILES },
  mergePeers: true,
});
