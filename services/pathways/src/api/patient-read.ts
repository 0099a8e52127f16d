import { assertMayReadPatientOfTeam, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, type AccessLog, type MetadataHeaders } from '@varde/platform';
import type { EnrolmentQuery, EnrolmentView } from '../application/enrolment.query';
import type { PatientIdentityRepository } from '../application/patient-identities.port';
import { parsePatientId } from './enrolment-request.fields';

/**
 * A FHIR search's `patient` (`<uuid>` or `Patient/<uuid>`), authorised for this principal against the patient's care
 * team and written to the access log before anything is read: the patient id and their enrolment (none when never enrolled).
 */
export async function readablePatient(
  patient: unknown,
  principal: Principal,
  headers: MetadataHeaders,
  enrolments: EnrolmentQuery,
  accessLog: AccessLog,
  read: Readonly<{ purpose: string; resource: (patientId: string) => string }>,
): Promise<{ patientId: string; enrolment?: EnrolmentView }> {
  if (typeof patient !== 'string') throw ValidationError.field('patient', 'required: the patient id, e.g. ?patient=<uuid> or ?patient=Patient/<uuid>');
  const patientId = parsePatientId(patient.replace(/^Patient\//, ''));
  const enrolment = await enrolments.latest(patientId);
  assertMayReadPatientOfTeam(principal, patientId, enrolment?.careTeamId);
  await accessLog.recordReads('pathways', [patientId], { purpose: read.purpose, resource: read.resource(patientId) }, commandMetadataFrom(principal, headers));
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
