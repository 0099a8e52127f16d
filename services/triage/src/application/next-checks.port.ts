import type { Transaction } from '@varde/event-sourcing';
import type { TriageOutcome } from './triage-outcome';

/** Port: when each patient must next be assessed without new data (a missing report falling due). */
export abstract class NextCheckProjection {
  /** Records (or clears) the patient's next check after a command, in `tx`. */
  abstract apply(tx: Transaction, outcome: TriageOutcome): Promise<void>;
  /** Drops the patient's check (they can no longer be assessed, or no missing-report rule waits). */
  abstract forget(patientId: string): Promise<void>;
  /** Patients whose check is due at `now`, earliest first. */
  abstract due(now: Date, limit: number): Promise<readonly { patientId: string; dueAt: string }[]>;
}
