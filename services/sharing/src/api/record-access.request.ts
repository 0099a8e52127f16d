import type { sharingV1Service } from '@varde/contracts';
import { ROLES, ValidationError, type Actor, type FieldIssue, type Role } from '@varde/core';
import type { AccessLogEntry } from '../domain/access-log.events';

/** Most entries one RecordAccess call may carry; bigger batches are split by the caller. */
export const MAX_ENTRIES_PER_CALL = 1000;

/** How far ahead of sharing's clock an entry's `accessed_at` may be (the readers' clocks drift a little). */
export const MAX_CLOCK_SKEW_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` looks like an internal patient id (a UUID). */
export const isPatientId = (value: string): boolean => UUID.test(value);

/**
 * Turns the entries of a RecordAccess request into access-log entries, or throws one ValidationError naming
 * every bad field (`entries[2].patient_id`), so a request is either recorded whole or not at all. A missing
 * `accessed_at` means "now" (the time the log received it).
 */
export function accessEntriesFrom(entries: readonly sharingV1Service.AccessEntry[] | null | undefined, now: string): AccessLogEntry[] {
  const list = entries ?? [];
  if (list.length > MAX_ENTRIES_PER_CALL) throw ValidationError.field('entries', `at most ${MAX_ENTRIES_PER_CALL} entries per call; got ${list.length}`);
  const issues: FieldIssue[] = [];
  const firstUse = new Map<string, { patientId: string; index: number }>();
  const parsed = list.map((entry, index): AccessLogEntry => {
    const field = (name: string) => `entries[${index}].${name}`;
    const entryId = entry.entryId ?? '';
    const patientId = entry.patientId ?? '';
    const role = entry.actor?.role ?? '';
    if (entryId === '') issues.push({ field: field('entry_id'), message: 'required: an id chosen by the caller, reused when retrying' });
    if (patientId === '') issues.push({ field: field('patient_id'), message: 'required: the internal patient id (UUID)' });
    else if (!isPatientId(patientId)) issues.push({ field: field('patient_id'), message: 'expected an internal patient id (UUID)' });
    if (role === '') issues.push({ field: field('actor.role'), message: `required: one of ${ROLES.join(', ')}` });
    else if (!(ROLES as readonly string[]).includes(role)) issues.push({ field: field('actor.role'), message: `unknown role "${role}"; expected one of ${ROLES.join(', ')}` });
    const accessedAt = timestampOf(entry.accessedAt, now);
    if (accessedAt === undefined) issues.push({ field: field('accessed_at'), message: 'expected a valid timestamp' });
    else if (Date.parse(accessedAt) > Date.parse(now) + MAX_CLOCK_SKEW_MS) {
      // A read dated in the future would sort above every real one and push them off the patient's first page.
      issues.push({ field: field('accessed_at'), message: `is in the future (${accessedAt}; now ${now}); a read is logged when it happened` });
    }
    const earlier = entryId === '' ? undefined : firstUse.get(entryId);
    if (earlier === undefined) firstUse.set(entryId, { patientId, index });
    else if (earlier.patientId !== patientId) issues.push({ field: field('entry_id'), message: `"${entryId}" is already used by entries[${earlier.index}] for another patient` });
    return {
      entryId,
      patientId,
      actor: actorFrom(entry.actor, role as Role),
      purpose: entry.purpose ?? '',
      resource: entry.resource ?? '',
      accessedAt: accessedAt ?? now,
      correlationId: entry.correlationId ?? '',
      ...(entry.reason ? { reason: entry.reason } : {}),
    };
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return parsed;
}

// The loader hands an absent Timestamp over as null: "now" then; anything unreadable is refused.
function timestampOf(value: Date | null | undefined, now: string): string | undefined {
  if (value == null) return now;
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : undefined;
}

function actorFrom(actor: sharingV1Service.AccessEntry['actor'], role: Role): Actor {
  return {
    subject: actor?.subject ?? '',
    role,
    ...(actor?.organisation ? { organisation: actor.organisation } : {}),
    ...(actor?.onBehalfOf ? { onBehalfOf: actor.onBehalfOf } : {}),
    ...(actor?.hprNumber ? { hprNumber: actor.hprNumber } : {}),
  };
}
