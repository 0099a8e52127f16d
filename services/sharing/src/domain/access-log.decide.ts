import type { Decider, DomainCommand } from '@varde/core';
import { evolveAccessLog, initialAccessLogState, recordedEntryIds, type AccessLogEntry, type AccessLogEvent, type AccessLogState } from './access-log.events';

/** Record reads of patients' data (one request's entries, each naming its patient). */
export type RecordAccess = DomainCommand<'RecordAccess', { entries: readonly AccessLogEntry[] }>;

/** Every command of the access-log decider. */
export type AccessLogCommand = RecordAccess;

/**
 * Logs each read once: an entry id already in the log (or earlier in the same command) is skipped, not
 * refused, because callers retry after timeouts and must not have to know whether the first try landed.
 */
export function decideAccessLog(command: AccessLogCommand, state: AccessLogState): AccessLogEvent[] {
  switch (command.type) {
    case 'RecordAccess': {
      const seen = recordedEntryIds(state);
      const events: AccessLogEvent[] = [];
      for (const entry of command.data.entries) {
        if (seen.has(entry.entryId)) continue;
        seen.add(entry.entryId);
        events.push({ type: 'AccessLogged', data: entry });
      }
      return events;
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The access-log decider. */
export const accessLogDecider: Decider<AccessLogCommand, AccessLogState, AccessLogEvent> = {
  decide: decideAccessLog,
  evolve: evolveAccessLog,
  initialState: initialAccessLogState,
};
