/** Port: asks the pathways service whether a patient is on a pathway now. */
export abstract class EnrolmentDirectory {
  /** True when the patient has an active enrolment; asked on behalf of the caller, whose bearer token is passed on. */
  abstract isEnrolled(patientId: string, authorization: string): Promise<boolean>;
}
