import type { Transaction } from '@varde/event-sourcing';
import type { PatientIdentifier, QueuedObservation } from '../../domain/pmd/pmd-batch';
import type { PmdObservation } from '../../domain/pmd/pmd-observation';

/** A queued change as the sender takes it: with the number of tries it has had. */
export type ClaimedObservation = QueuedObservation & Readonly<{ attempts: number }>;

/** What happened to a measurement in the PMD queue, for operators (`held`: recorded before a consent covered PMD). */
export type OutboxStatus = 'pending' | 'sent' | 'dead' | 'withheld' | 'held';

/**
 * Port: the PMD queue — per measurement, its latest Observation, the version PMD has acknowledged, and the tries.
 * Written in the consumer's transaction (so what was consumed is queued, and nothing twice), read by the sender.
 * It is the checkpoint: a restart sends what is not yet acknowledged and nothing else.
 */
export abstract class PmdOutbox {
  /** Queues a new version of the measurement's Observation (the first, or a correction) in `tx`; a correction of one held or withheld stays so. */
  abstract queue(tx: Transaction, item: Readonly<{ measurementId: string; patientId: string; observation: PmdObservation }>): Promise<void>;
  /** Keeps a measurement no consent lets go yet (`held`), for the back catalogue sent when a consent starts. */
  abstract hold(tx: Transaction, item: Readonly<{ measurementId: string; patientId: string; observation: PmdObservation }>): Promise<void>;
  /**
   * A consent started: the patient's held and withheld measurements received since the start of their latest
   * enrolment (all of them while that start is not yet known) are queued.
   */
  abstract release(tx: Transaction, patientId: string): Promise<number>;
  /** The latest Observation kept for the measurement; undefined when it was never kept or was given up. */
  abstract latest(tx: Transaction, measurementId: string): Promise<PmdObservation | undefined>;
  /** Claims up to `limit` changes due at `now` for `leaseMs` (another replica or a later run skips them meanwhile). */
  abstract claimDue(now: Date, limit: number, leaseMs: number): Promise<readonly ClaimedObservation[]>;
  /** PMD stored these versions. */
  abstract markSent(items: readonly Pick<QueuedObservation, 'measurementId' | 'version'>[]): Promise<void>;
  /** These are tried again at `at` (one more attempt counted), with the reason. */
  abstract retryAt(items: readonly Pick<QueuedObservation, 'measurementId' | 'version'>[], at: Date, reason: string): Promise<void>;
  /** These are given up with the reason (dead letter): kept for an operator, never sent again unless requeued. */
  abstract deadLetter(items: readonly Pick<QueuedObservation, 'measurementId' | 'version'>[], reason: string): Promise<void>;
  /** Everything still queued for the patient is dropped, with the reason (consent withdrawn or blocked). */
  abstract withhold(patientId: string, reason: string): Promise<number>;
  /** How many measurements are in each status. */
  abstract counts(): Promise<Readonly<Record<OutboxStatus, number>>>;
}

/** Port: the patient's national identity number, which PMD identifies patients by (pathways keeps it). */
export abstract class PatientIdentities {
  /** The national id with its FHIR system; undefined when none is kept for the patient. */
  abstract nationalIdOf(patientId: string): Promise<PatientIdentifier | undefined>;
}

/** PMD's answer to one batch. */
export type GatewayAnswer =
  | Readonly<{ kind: 'answered'; body: unknown }>
  | Readonly<{ kind: 'unavailable'; reason: string; retryAfterMs?: number }>
  | Readonly<{ kind: 'unauthorized'; reason: string }>
  | Readonly<{ kind: 'refused'; reason: string }>;

/** Port: Pasientens måledata's FHIR API, reached with HelseID credentials. */
export abstract class PmdGateway {
  /** Posts a `batch` Bundle to the base; never throws for an HTTP or network failure (they are answers). */
  abstract sendBatch(bundle: Readonly<Record<string, unknown>>): Promise<GatewayAnswer>;
  /** `POST /Observation/_search` with `patient.identifier=<system>|<value>`: a `searchset` Bundle when answered. */
  abstract searchObservations(patient: PatientIdentifier): Promise<GatewayAnswer>;
}

/** Port: the enrolled patients PMD in fetches for (fed by pathways' enrolment events). */
export abstract class PmdInPatients {
  /** The patient is enrolled since `since` (fetched from now on) or discharged (no longer), in the consumer's `tx`. */
  abstract setEnrolled(tx: Transaction, patientId: string, enrolled: boolean, since?: string): Promise<void>;
  /** True while the patient is enrolled. */
  abstract isEnrolled(patientId: string): Promise<boolean>;
  /** Claims up to `limit` enrolled patients due a fetch at `now`, moving their next fetch `intervalMs` on. */
  abstract claimDue(now: Date, limit: number, intervalMs: number): Promise<readonly string[]>;
}

/** What became of one PMD Observation. */
export type ImportOutcome = Readonly<{ outcome: 'recorded' | 'kept-out'; reason?: string }>;

/** Port: the PMD Observations already looked at, so each is handled once. */
export abstract class PmdInLedger {
  /** Which of these PMD ids were handled before. */
  abstract seen(pmdIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Notes what became of one. */
  abstract note(pmdId: string, patientId: string, outcome: ImportOutcome): Promise<void>;
}

/** Port: recording a measurement another organisation took in the measurements service. */
export abstract class MeasurementsIntake {
  /** Records the Observation (subject `Patient/<id>`, performer the source organisation); refused with the reason when measurements will not take it. */
  abstract record(observation: Readonly<Record<string, unknown>>): Promise<Readonly<{ recorded: true } | { recorded: false; reason: string }>>;
}
