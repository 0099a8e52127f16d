import type { Actor } from './decider';

/** One read of a patient's data, as written to the access log: what readers send and what sharing keeps. */
export type AccessLogEntry = Readonly<{
  /** Chosen by the caller, so a retried call records the entry once. */
  entryId: string;
  patientId: string;
  /** Who read the data. */
  actor: Actor;
  purpose: string;
  resource: string;
  accessedAt: string;
  correlationId: string;
  /** Why the access policy let the actor read it (the policy decision's reason), when the reader knows it. */
  reason?: string;
}>;
