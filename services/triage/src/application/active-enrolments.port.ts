import type { RuleSet } from '../domain/triage-rules';

/** The pathway and rule set a patient is triaged with. */
export type ActiveEnrolment = Readonly<{ pathwayId: string; ruleSet: RuleSet }>;

/** Asks the pathways service which rule set applies to a patient now; NotFoundError when not enrolled. */
export abstract class ActiveEnrolments {
  /** The patient's active enrolment and its rule set. */
  abstract get(patientId: string): Promise<ActiveEnrolment>;
}
