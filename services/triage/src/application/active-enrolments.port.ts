/** The pathway a patient is on and the rule set it prescribes (version 0: the latest published). */
export type ActiveEnrolment = Readonly<{ pathwayId: string; ruleSetId: string; ruleSetVersion: number }>;

/** Asks the pathways service which pathway a patient is on now; NotFoundError when not enrolled. */
export abstract class ActiveEnrolments {
  /** The patient's active enrolment. */
  abstract get(patientId: string): Promise<ActiveEnrolment>;
}
