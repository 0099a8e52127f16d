import type { RetryPolicy } from '../../domain/pmd/pmd-batch';

/** How the PMD exchange runs (from PMD_* configuration). */
export type PmdSettings = Readonly<{
  /** The hospital's organisation number: the performer of what is sent. */
  organisationNumber: string;
  /** Most Observations in one batch Bundle. */
  batchSize: number;
  /** Back-off and dead-lettering of a change PMD did not take. */
  retry: RetryPolicy;
  /** How long a claimed change is left to one sender before another may take it. */
  leaseMs: number;
  /** How often the queue is sent. */
  sendIntervalMs: number;
  /** How often each enrolled patient's measurements are fetched from PMD. */
  fetchIntervalMs: number;
  /** How often the fetch job looks for patients whose turn has come. */
  fetchTickMs: number;
  /** The identifier system PMD's Observation ids are recorded under in measurements (PMD's base URL + `/Observation`). */
  pmdIdentifierSystem: string;
}>;

/** DI token of {@link PmdSettings}. */
export const PMD_SETTINGS = Symbol('PMD_SETTINGS');
