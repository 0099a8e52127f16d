import type { IntegrationEvent } from '@varde/contracts';
import type { Transaction } from '@varde/event-sourcing';

/**
 * Port: each patient's latest triage colour and reasons, kept to share with municipalities (bound to
 * PostgresPatientStatuses in infrastructure/).
 */
export abstract class PatientStatuses {
  /** Applies one of triage's assessments in the consumer's transaction; an older one never overwrites a newer. */
  abstract apply(event: IntegrationEvent<'varde.triage.v1.PatientTriaged'>, tx: Transaction): Promise<void>;
}
