import type { Transaction } from '@varde/event-sourcing';
import type { PatientIdentifier } from '../../domain/pmd/pmd-batch';
import type { EnrolmentCourse, LastShared, PublishedPathway, SharedSelfCarePlan } from '../../domain/care-plan/self-care-plan';

/** An enrolment's plan as kept for sharing: its course, and the version last queued with how it fared. */
export type SelfCarePlanRecord = Readonly<{ course: EnrolmentCourse; last?: LastShared }>;

/** A queued version of a plan as the sender takes it. */
export type ClaimedPlan = Readonly<{ enrolmentId: string; patientId: string; version: number; content: SharedSelfCarePlan; attempts: number }>;

/** Which queued version of which enrolment's plan. */
export type PlanKey = Pick<ClaimedPlan, 'enrolmentId' | 'version'>;

/**
 * Port: the self-care plans shared with the municipality and GP — the pathway versions' plans (from PathwayPublished),
 * each enrolment's course (from pathways' enrolment events) and its sharing queue: the version last queued, the
 * version the receiver acknowledged, the tries. Written in the consumer's transaction, sent from by the sender; it is
 * the checkpoint (a restart sends what is not acknowledged and nothing else).
 */
export abstract class SelfCarePlans {
  /** Keeps a published pathway version's title and plan. */
  abstract published(tx: Transaction, pathway: PublishedPathway): Promise<void>;
  /** The published version, undefined until PathwayPublished for it has been read. */
  abstract pathway(tx: Transaction, pathwayId: string, pathwayVersion: number): Promise<PublishedPathway | undefined>;
  /** A new enrolment (a redelivered one changes nothing). */
  abstract enrolled(tx: Transaction, course: EnrolmentCourse): Promise<void>;
  /** The enrolment moved to another pathway or version. */
  abstract pathwayChanged(tx: Transaction, enrolmentId: string, pathwayId: string, pathwayVersion: number): Promise<void>;
  /** The enrolment ended at `at`. */
  abstract discharged(tx: Transaction, enrolmentId: string, at: string): Promise<void>;
  /** The patient's enrolments known here. */
  abstract enrolmentsOfPatient(tx: Transaction, patientId: string): Promise<readonly string[]>;
  /** The enrolments on this pathway version. */
  abstract enrolmentsOn(tx: Transaction, pathwayId: string, pathwayVersion: number): Promise<readonly string[]>;
  /** The enrolment's record, locked until `tx` ends. */
  abstract lock(tx: Transaction, enrolmentId: string): Promise<SelfCarePlanRecord | undefined>;
  /** Queues a new version of the enrolment's plan (replacing one not yet sent). */
  abstract queue(tx: Transaction, enrolmentId: string, content: SharedSelfCarePlan): Promise<void>;
  /** Holds back the version queued and not yet delivered, with the reason. */
  abstract withhold(tx: Transaction, enrolmentId: string, reason: string): Promise<void>;
  /** Claims up to `limit` versions due at `now` for `leaseMs`. */
  abstract claimDue(now: Date, limit: number, leaseMs: number): Promise<readonly ClaimedPlan[]>;
  /** The receiver stored this version (recorded for the strategy figures too). */
  abstract markSent(plan: ClaimedPlan): Promise<void>;
  /** Tried again at `at`, one more attempt counted. */
  abstract retryAt(plan: PlanKey, at: Date, reason: string): Promise<void>;
  /** Given up with the reason (dead letter) until the plan changes again. */
  abstract deadLetter(plan: PlanKey, reason: string): Promise<void>;
  /** Held back at sending time: the consents no longer allow it. */
  abstract withheldAtSend(plan: PlanKey, reason: string): Promise<void>;
}

/** Who a plan's PDF names and when it was made. */
export type PdfHeading = Readonly<{ hospitalOrganisationNumber: string; patient: PatientIdentifier; createdAt: string }>;

/** Port: the plan as a readable PDF (Norwegian and English). */
export abstract class SelfCarePlanPdf {
  /** The PDF of one version of the plan. */
  abstract render(plan: SharedSelfCarePlan, heading: PdfHeading): Promise<Buffer>;
}
