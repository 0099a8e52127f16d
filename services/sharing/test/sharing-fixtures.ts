import { freshSchema, startServiceProcess, type ServiceProcess } from '@varde/testing';

/** Pathways, then sharing asking it for care teams, as processes; sharing in `sharingSchema`. */
export async function startPathwaysAndSharing(env: Readonly<Record<string, string>>, sharingSchema: string): Promise<{ pathways: ServiceProcess; sharing: ServiceProcess }> {
  const pathways = await startServiceProcess('pathways', { ...env, DB_SCHEMA: freshSchema('pathways') });
  const sharing = await startServiceProcess('sharing', { ...env, DB_SCHEMA: sharingSchema, PATHWAYS_GRPC_URL: pathways.grpcUrl });
  return { pathways, sharing };
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
