import { fhirMetadataController } from '@varde/platform';
import { ORGANIZATION_SEARCH_PARAMS } from './organizations.http.controller';

/**
 * `GET /fhir/metadata` of sharing: its own CapabilityStatement (Consent, Organization, RelatedPerson, and the auditors' AuditEvent and
 * Provenance), generated from its routes, with the search parameters each search checks. Not routed publicly: the
 * statement of the FHIR base (measurements') includes these resources.
 */
export const SharingFhirMetadataHttpController = fhirMetadataController({
  software: 'Varde sharing',
  searchParams: {
    Consent: [{ name: 'patient', type: 'reference', documentation: "Patient/<id>: the patient's consents and blocks, any status, newest first" }],
    Organization: ORGANIZATION_SEARCH_PARAMS,
    AuditEvent: [
      { name: 'patient', type: 'reference', documentation: "Patient/<id>: the patient's timeline (required)" },
      { name: 'date', type: 'date', documentation: 'Bounds AuditEvent.recorded (R4 prefixes, repeatable)' },
    ],
    Provenance: [
      { name: 'patient', type: 'reference', documentation: "Patient/<id>: every triage decision of the patient" },
      { name: 'target', type: 'reference', documentation: 'RiskAssessment/<assessment id>: one triage decision' },
    ],
  },
});
