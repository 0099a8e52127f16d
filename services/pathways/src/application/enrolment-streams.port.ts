import type { StoredEvent, Transaction } from '@varde/event-sourcing';
import type { EnrolmentEvent, EnrolmentState } from '../domain/enrolment.events';

/** A patient's enrolment stream as read: its events, the state they fold to, and its version (for optimistic concurrency). */
export type LoadedEnrolment = Readonly<{ events: readonly StoredEvent<EnrolmentEvent>[]; state: EnrolmentState; version: bigint }>;

/** Port: the patients' enrolment streams. */
export abstract class EnrolmentStreams {
  /** The patient's stream, folded (version 0 and `not-enrolled` when there is none). */
  abstract load(patientId: string): Promise<LoadedEnrolment>;
  /** Appends in `tx` when the stream is still at `expectedVersion`; ConcurrencyError when someone else wrote first. Returns the new version. */
  abstract append(tx: Transaction, patientId: string, events: readonly StoredEvent<EnrolmentEvent>[], expectedVersion: bigint): Promise<bigint>;
}
