import { assertMayReadPatientOfTeam, type Principal } from '@varde/auth';
import { NotFoundError, ValidationError } from '@varde/core';
import { commandMetadataFrom, type AccessLog, type MetadataHeaders } from '@varde/platform';
import type { EnrolmentQuery, EnrolmentView } from '../application/enrolment.query';
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
  let enrolment: EnrolmentView | undefined;
  try {
    enrolment = await enrolments.get(patientId);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  assertMayReadPatientOfTeam(principal, patientId, enrolment?.careTeamId);
  await accessLog.recordReads('pathways', [patientId], { purpose: read.purpose, resource: read.resource(patientId) }, commandMetadataFrom(principal, headers));
  return enrolment ? { patientId, enrolment } : { patientId };
}
