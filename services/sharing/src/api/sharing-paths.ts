import { fhirPaths, inFhirTerms, rethrowInFhirTerms } from '@varde/fhir';

/**
 * Where each field sharing's domain speaks of sits in the FHIR resource it came in: the service's one mapping from the
 * domain's names to FHIR paths (a consent's terms are its Consent; a guardianship's child is its RelatedPerson's patient,
 * whose birth date Varde reads from the national id given there).
 * A consent is a Consent (`consent c-1` is `Consent/c-1`).
 */
export const sharingPaths = fhirPaths(
  {
    'terms.status': 'Consent.status',
    'terms.patientId': 'Consent.patient',
    childBirthDate: 'RelatedPerson.patient.identifier',
  },
  { consent: 'Consent' },
);

/** Throws a domain refusal as a FHIR client reads it: `handle(…).catch(rethrowAsFhirRefusal)`. */
export const rethrowAsFhirRefusal = rethrowInFhirTerms(sharingPaths);

/** A domain refusal as a FHIR client reads it (see {@link sharingPaths}). */
export const asFhirRefusal = (error: unknown): unknown => inFhirTerms(error, sharingPaths);
