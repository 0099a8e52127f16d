import type { Transaction } from '@varde/event-sourcing';
import type { EmergencyAccessGrant } from '../domain/emergency-access.events';

/** Port: the emergency accesses' read model, written in the transaction of their events. */
export abstract class EmergencyAccesses {
  /** Stores an opened emergency access (again: no change). */
  abstract apply(tx: Transaction, grant: EmergencyAccessGrant): Promise<void>;
  /** Every emergency access of `subject` open at `at`, the latest ending first: the patients a list of theirs shows besides their teams'. */
  abstract openOfSubject(subject: string, at: string): Promise<readonly EmergencyAccessGrant[]>;
  /** Every emergency access of these patients' readers that covers one of `reads` (patient, subject, moment). */
  abstract covering(reads: readonly Readonly<{ patientId: string; subject: string; at: string }>[]): Promise<readonly EmergencyAccessGrant[]>;
  /** The emergency accesses to a care team's patients, newest first but those to the `excluded` patients (a block): what is reported to the team. */
  abstract ofCareTeam(careTeamId: string, limit: number, excluded: readonly string[]): Promise<readonly EmergencyAccessGrant[]>;
}
