import type { Transaction } from '@varde/event-sourcing';

/** A patient whose next assignment deadline has come. */
export type DueDeadline = Readonly<{ patientId: string; dueAt: string }>;

/**
 * Port: the next deadline (expiry or reminder) of each patient's open form assignments, indexed by time. Written in
 * the transaction of the assignment events it follows, so it is never ahead of or behind them.
 */
export abstract class AssignmentDeadlines {
  /** Records the patient's next deadline in `tx`; none forgets the patient. */
  abstract set(tx: Transaction, patientId: string, nextAt: string | undefined): Promise<void>;
  /** Patients whose next deadline is at or before `now`, the earliest first. */
  abstract due(now: string, limit: number): Promise<DueDeadline[]>;
}
