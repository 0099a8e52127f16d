import type { Transaction } from '@varde/event-sourcing';
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

  /** Whether the patient's consents let data of `category` go to `receiver` at `now` (see {@link sharingCoverage}). */
  async coverage(patientId: string, receiver: Receiver, category: string, now: Date = new Date()): Promise<Coverage> {
    return sharingCoverage((await this.ofPatient(patientId)).map((c) => c.current.terms), receiver, category, now.toISOString());
  }
}
