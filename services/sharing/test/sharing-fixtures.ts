import { freshSchema, startPathwaysAndSharing as startBoth, type ServiceProcess } from '@varde/testing';

/** Pathways, then sharing asking it for care teams (and pathways asking sharing's policy), as processes; sharing in `sharingSchema`. */
export function startPathwaysAndSharing(env: Readonly<Record<string, string>>, sharingSchema: string): Promise<{ pathways: ServiceProcess; sharing: ServiceProcess }> {
  return startBoth(env, { pathways: { DB_SCHEMA: freshSchema('pathways') }, sharing: { DB_SCHEMA: sharingSchema } });
}

/** A patient's opt-out Consent (a block, or a child's denial of a guardian) with the given provision. */
export const optOutConsent = (patientId: string, provision: Readonly<Record<string, unknown>>): Record<string, unknown> => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: `Patient/${patientId}` },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
  provision: { type: 'deny', ...provision },
});
