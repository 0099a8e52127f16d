import type { Transaction } from '@varde/event-sourcing';
import type { TriageInput } from '../domain/triage-rules';
import type { PositionedTriageEvent } from './triage-outcome';

/** One patient's history as the what-if reads it. */
export type PatientHistoryRow = Readonly<{ patientId: string; registeredAt?: string; inputs: readonly TriageInput[] }>;

/** Port: every input triage holds, per patient and pathway: what a what-if replays rule sets over. */
export abstract class TriageHistoryProjection {
  /** Applies the events of several commands (a run of one patient's messages) in `tx`. */
  abstract applyAll(tx: Transaction, events: readonly PositionedTriageEvent[]): Promise<void>;
  /** Applies a command's events in `tx`. */
  abstract apply(tx: Transaction, events: readonly PositionedTriageEvent[]): Promise<void>;
  /** The registered patients of a pathway with their inputs between `from` and `to`, each history oldest first. */
  abstract histories(pathwayId: string, from: Date, to: Date): Promise<readonly PatientHistoryRow[]>;
}
