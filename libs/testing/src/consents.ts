/** A patient's opt-out FHIR Consent (a block, or a child's denial of a guardian) with the given deny provision. */
export const optOutConsent = (patientId: string, provision: Readonly<Record<string, unknown>>): Record<string, unknown> => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: `Patient/${patientId}` },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
  provision: { type: 'deny', ...provision },
});
