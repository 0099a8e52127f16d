import type { AccessLogEntry, DomainEvent } from '@varde/core';

export type { AccessLogEntry } from '@varde/core';

/** Someone read a patient's data. */
export type AccessLogged = DomainEvent<'AccessLogged', AccessLogEntry>;

/** Every event of a patient's access-log stream. */
export type AccessLogEvent = AccessLogged;

/** A patient's access log, folded from its events: only what deciding needs (which entries exist). */
export type AccessLogState = { status: 'empty' } | { status: 'recording'; entryIds: ReadonlySet<string> };

/** The state before any event. */
export const initialAccessLogState = (): AccessLogState => ({ status: 'empty' });

/** Applies one event to the state. */
export function evolveAccessLog(state: AccessLogState, event: AccessLogEvent): AccessLogState {
  switch (event.type) {
    case 'AccessLogged': {
      const entryIds = new Set(state.status === 'recording' ? state.entryIds : []);
      entryIds.add(event.data.entryId);
      return { status: 'recording', entryIds };
    }
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/**
 * The stream of one recorded batch of reads (one request's new entries, any number of patients). A stream per
 * batch, not per patient: recording a read costs the same however often the patients were read before (a
 * per-patient stream is loaded whole before each append, and concurrent readers of the same patients collide
 * on it), and a page of 100 patients is one append. A patient's log is the read model, by patient.
 */
export const accessLogStreamId = (batchId: string): string => `access-log-${batchId}`;
