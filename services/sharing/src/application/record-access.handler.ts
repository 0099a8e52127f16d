import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, handleCommand } from '@varde/event-sourcing';
import { accessLogDecider } from '../domain/access-log.decide';
import { accessLogStreamId, type AccessLogEntry } from '../domain/access-log.events';
import { AccessLogRepository } from './access-log.port';
import { EmergencyAccesses } from './emergency-accesses.port';

/** Command metadata without the command id, which the handler derives per patient. */
export type RecordAccessContext = Omit<CommandMetadata, 'commandId'>;

/**
 * Appends validated access-log entries in one batch: entries a previous call recorded are left out (found in
 * the read model by entry id), the rest are one append to the batch's own stream, then the read model. The
 * command id derives from the new entry ids and names the stream, so a retried batch finds its own events and
 * writes nothing, and no append waits on or conflicts with another read of the same patients; rows are stored
 * again (idempotently by entry id), which also heals a crash between append and store.
 */
@Injectable()
export class RecordAccessHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(AccessLogRepository) private readonly accessLog: AccessLogRepository,
    @Inject(EmergencyAccesses) private readonly emergencies: EmergencyAccesses,
  ) {}

  /** Records the entries; resolves to how many were new. */
  async record(entries: readonly AccessLogEntry[], context: RecordAccessContext): Promise<number> {
    const known = await this.accessLog.recorded(entries.map((e) => e.entryId));
    const fresh = entries.filter((e) => !known.has(e.entryId));
    if (fresh.length === 0) return 0;
    const marked = await this.markEmergencies(fresh);
    const commandId = deterministicId(`sharing.record-access:${fresh.map((e) => e.entryId).sort().join(',')}`);
    const result = await handleCommand(this.store, accessLogStreamId(commandId), accessLogDecider, { type: 'RecordAccess', data: { entries: marked }, metadata: { ...context, commandId } });
    await this.accessLog.save(result.events.map((e) => e.data));
    return result.alreadyHandled ? 0 : result.events.length;
  }

  /** Marks the reads made under an open emergency access of their reader, so the log shows them apart. */
  private async markEmergencies(entries: readonly AccessLogEntry[]): Promise<AccessLogEntry[]> {
    const grants = await this.emergencies.covering(entries.filter((e) => e.actor.role === 'clinician').map((e) => ({ patientId: e.patientId, subject: e.actor.subject, at: e.accessedAt })));
    if (grants.length === 0) return [...entries];
    return entries.map((e) => {
      const grant = grants.find((g) => g.patientId === e.patientId && g.actor.subject === e.actor.subject && g.openedAt <= e.accessedAt && e.accessedAt < g.expiresAt);
      return grant ? { ...e, emergency: { grantId: grant.grantId, reason: grant.reason } } : e;
    });
  }
}
