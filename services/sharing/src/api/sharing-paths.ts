import { fhirPaths } from '@varde/fhir';

/**
 * Where each field sharing's domain speaks of sits in the FHIR resource it came in: the service's one mapping from the
 * domain's names to FHIR paths (a consent's terms are its Consent; a guardianship's child is its RelatedPerson's patient,
 * whose birth date Varde reads from the national id given there).
 * A consent is a Consent (`consent c-1` is `Consent/c-1`). A refusal is thrown as a FHIR client reads it with
 * `handle(…).catch(sharingPaths.rethrow)` or `throw sharingPaths.refusal(error)`.
 */
export const sharingPaths = fhirPaths(
  {
    'terms.status': 'Consent.status',
    'terms.patientId': 'Consent.patient',
    childBirthDate: 'RelatedPerson.patient.identifier',
  },
  { consent: 'Consent' },
);

