import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, handleCommand } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { accessLogDecider } from '../domain/access-log.decide';
import { accessLogStreamId, type AccessLogEntry } from '../domain/access-log.events';
import { AccessLogRepository } from '../infrastructure/access-log.repository';

/** Command metadata without the command id, which the handler derives per patient. */
export type RecordAccessContext = Omit<CommandMetadata, 'commandId'>;

/**
 * Appends validated access-log entries: one append per patient, patients in parallel, then the read model.
 * The command id derives from the patient and the entry ids and names the batch's own stream, so a retried
 * batch finds its own events and writes nothing, and no append waits on or conflicts with another read of the
 * same patient; rows are stored again (idempotently by entry id), which also heals a crash between append and store.
 */
@Injectable()
export class RecordAccessHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(AccessLogRepository) private readonly accessLog: AccessLogRepository,
  ) {}

  /** Records the entries; resolves to how many were new. */
  async record(entries: readonly AccessLogEntry[], context: RecordAccessContext): Promise<number> {
    const counts = await Promise.all(
      [...byPatient(entries)].map(async ([patientId, all]) => {
        // Entries a previous call recorded are left out, so a retry that carries one more entry records only that one.
        const known = await this.accessLog.recorded(all.map((e) => e.entryId));
        const own = all.filter((e) => !known.has(e.entryId));
        if (own.length === 0) return 0;
        const commandId = deterministicId(`sharing.record-access:${patientId}:${own.map((e) => e.entryId).sort().join(',')}`);
        const result = await handleCommand(this.store, accessLogStreamId(patientId, commandId), accessLogDecider, {
          type: 'RecordAccess',
          data: { patientId, entries: own },
          metadata: { ...context, commandId },
        });
        await this.accessLog.save(result.events.map((e) => e.data));
        return result.alreadyHandled ? 0 : result.events.length;
      }),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }
}

function byPatient(entries: readonly AccessLogEntry[]): Map<string, AccessLogEntry[]> {
  const groups = new Map<string, AccessLogEntry[]>();
  for (const entry of entries) {
    const group = groups.get(entry.patientId);
    if (group) group.push(entry);
    else groups.set(entry.patientId, [entry]);
  }
  return groups;
}
