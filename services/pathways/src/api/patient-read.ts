import type { AccessAction, AccessDecision, Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, type AccessLog, type AccessPolicy, type MetadataHeaders, type PatientAccessQuestion } from '@varde/platform';
import type { EnrolmentQuery, EnrolmentView } from '../application/enrolment.query';
import type { PatientIdentityRepository } from '../application/patient-identities.port';
import { parsePatientId } from './enrolment-request.fields';

/**
 * The question the policy answers for `action` on a patient's enrolment data, with the care team of their latest
 * enrolment (`enrolment`; none when never enrolled): pathways knows the care team itself (ADR 0019).
 */
export const enrolmentQuestion = (patientId: string, action: AccessAction, enrolment: EnrolmentView | undefined): PatientAccessQuestion => ({
  category: 'enrolments',
  action,
  patient: { id: patientId, careTeamId: enrolment?.careTeamId },
});

/**
 * A FHIR search's `patient` (`<uuid>` or `Patient/<uuid>`), authorised for this principal by the policy (sharing's
 * policy decision point for clinicians and guardians: care team, blocks, emergency access, age rules) and written to
 * the access log with the decision's reason before anything is read: the patient id and their enrolment (none when
 * never enrolled).
 */
export async function readablePatient(
  patient: unknown,
  principal: Principal,
  headers: MetadataHeaders,
  pathways: Readonly<{ enrolments: EnrolmentQuery; policy: AccessPolicy; accessLog: AccessLog }>,
  read: Readonly<{ purpose: string; resource: (patientId: string) => string }>,
): Promise<{ patientId: string; enrolment?: EnrolmentView }> {
  if (typeof patient !== 'string') throw ValidationError.field('patient', 'required: the patient id, e.g. ?patient=<uuid> or ?patient=Patient/<uuid>');
  const patientId = parsePatientId(patient.replace(/^Patient\//, ''));
  const enrolment = await pathways.enrolments.latest(patientId);
  const { reason } = await pathways.policy.authoriseWithTeam(principal, enrolmentQuestion(patientId, 'read', enrolment));
  await pathways.accessLog.recordReads('pathways', [patientId], { purpose: read.purpose, resource: read.resource(patientId), reason }, commandMetadataFrom(principal, headers));
  return enrolment ? { patientId, enrolment } : { patientId };
}

/**
 * The latest enrolment (in force or discharged) of the patient with this national identity number; undefined when
 * no such patient was ever enrolled. The one look-up by national id: the clinician's search and FHIR logical references.
 */
export async function enrolmentOfNationalId(nationalId: string, identities: PatientIdentityRepository, enrolments: EnrolmentQuery): Promise<EnrolmentView | undefined> {
  const patientId = await identities.patientIdOf(nationalId);
  return patientId === undefined ? undefined : enrolments.latest(patientId);
}

/**
 * The patients a list or a search may show this principal, each with their latest enrolment and the policy's permit
 * (AccessPolicy.permitsForListing: a clinician's own care teams, no block): one batch question for all. Patients never
 * enrolled are left out like those of another team.
 */
export async function listablePatients(
  patientIds: readonly string[],
  principal: Principal,
  pathways: Readonly<{ enrolments: EnrolmentQuery; policy: AccessPolicy }>,
): Promise<ReadonlyMap<string, Readonly<{ enrolment: EnrolmentView; permit: AccessDecision }>>> {
  const enrolled = (await Promise.all(patientIds.map((id) => pathways.enrolments.latest(id)))).filter((view) => view !== undefined);
  const permits = await pathways.policy.permitsForListing(principal, {
    category: 'enrolments',
    action: 'read',
    patients: enrolled.map((view) => ({ id: view.patientId, careTeamId: view.careTeamId })),
  });
  return new Map(enrolled.flatMap((enrolment) => { const permit = permits.get(enrolment.patientId); return permit ? [[enrolment.patientId, { enrolment, permit }] as const] : []; }));
}
