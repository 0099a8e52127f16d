import type { Actor } from '@varde/core';

/** One read of a patient's data, as written to the access log. */
export type AccessEntry = Readonly<{
  /** Chosen by the caller so a retried write records the entry once. */
  entryId: string;
  patientId: string;
  actor: Actor;
  purpose: string;
  resource: string;
  accessedAt: string;
  correlationId: string;
}>;

/** The access log every read of patient data is written to before it is shown (fail closed). */
export abstract class AccessLog {
  /** Records the reads; throws (UnavailableError) when the log cannot be reached. */
  abstract record(entries: readonly AccessEntry[]): Promise<void>;
}
