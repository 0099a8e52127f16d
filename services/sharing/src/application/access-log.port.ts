import type { Actor } from '@varde/core';
import type { AccessLogEntry } from '../domain/access-log.events';

/** One access-log entry as the patient and auditors see it. */
export type AccessLogView = Readonly<{ accessedAt: string; actor: Actor; purpose: string; resource: string; reason?: string; emergency?: Readonly<{ grantId: string; reason: string }> }>;

/** Where a page of the log continues: after this entry (newest first). */
export type AccessLogPosition = Readonly<{ accessedAt: string; entryId: string }>;

/** A page of a patient's log and where the next one starts (undefined: this was the last). */
export type AccessLogPage = Readonly<{ entries: readonly AccessLogView[]; next?: AccessLogPosition }>;

/** The access-log read model: a projection of the access-log streams. */
export abstract class AccessLogRepository {
  /** Stores entries; an entry id already stored is left as it is, so replaying events never duplicates rows. */
  abstract save(entries: readonly AccessLogEntry[]): Promise<void>;
  /** A page of a patient's entries, newest first, after `after` when given. */
  abstract list(patientId: string, limit: number, after?: AccessLogPosition, emergencyOnly?: boolean): Promise<AccessLogPage>;
  /** Which of these entry ids are already recorded. */
  abstract recorded(entryIds: readonly string[]): Promise<ReadonlySet<string>>;
}
