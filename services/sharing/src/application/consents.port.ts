import type { Transaction } from '@varde/event-sourcing';
import type { ConsumerRun } from '@varde/messaging';
import type { ConsentVersion } from '../domain/consent.events';
import { sharingCoverage, type Coverage, type Receiver } from '../domain/pmd/sharing-coverage';

/** A consent's current version and when it was recorded. */
export type StoredConsent = Readonly<{ current: ConsentVersion; lastUpdated: string }>;

/** Port: the consents' read model (the current version of each consent), written in the transaction of its events. */
export abstract class Consents {
  /** Stores `version` as the consent's current one (a replayed older version never overwrites a newer one). */
  abstract apply(tx: Transaction, version: ConsentVersion, recordedAt: string): Promise<void>;
  /** One consent, or undefined. */
  abstract byId(consentId: string): Promise<StoredConsent | undefined>;
  /** Every consent of a patient, any status, newest first. */
  abstract ofPatient(patientId: string): Promise<readonly StoredConsent[]>;
  /** Every consent of each of these patients, any status, newest first: one read for a list's decisions. */
  abstract ofPatients(patientIds: readonly string[]): Promise<ReadonlyMap<string, readonly StoredConsent[]>>;

  /**
   * Whether the patient's consents let data of `category` go to `receiver` at `now` (see {@link sharingCoverage});
   * within a consumer's run, from the consents read once for the run ({@link ofPatientInRun}).
   */
  async coverage(patientId: string, receiver: Receiver, category: string, now: Date = new Date(), run?: ConsumerRun): Promise<Coverage> {
    return sharingCoverage((await this.ofPatientInRun(patientId, run)).map((c) => c.current.terms), receiver, category, now.toISOString());
  }

  /**
   * The patient's consents ({@link ofPatient}), read once per consumer run rather than once per message: a run's
   * messages (up to 50, often one patient's Bundle) are handled within milliseconds. A consumer that handles a consent
   * change in the run forgets what it read ({@link forgetInRun}).
   */
  ofPatientInRun(patientId: string, run: ConsumerRun | undefined): Promise<readonly StoredConsent[]> {
    if (!run) return this.ofPatient(patientId);
    const read = consentsReadIn(run);
    let consents = read.get(patientId);
    if (!consents) read.set(patientId, (consents = this.ofPatient(patientId)));
    return consents;
  }

  /** Forgets the patient's consents read in the run: the run's next messages read them again. */
  forgetInRun(patientId: string, run: ConsumerRun | undefined): void {
    if (run) consentsReadIn(run).delete(patientId);
  }
}

/** The consents read in a run, by patient. */
function consentsReadIn(run: ConsumerRun): Map<string, Promise<readonly StoredConsent[]>> {
  return run.memo('consents-by-patient', () => new Map<string, Promise<readonly StoredConsent[]>>());
}
