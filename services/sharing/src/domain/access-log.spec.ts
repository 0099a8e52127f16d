import { describe, it } from 'vitest';
import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { accessLogDecider, type RecordAccess } from './access-log.decide';
import type { AccessLogEntry, AccessLogged } from './access-log.events';

const metadata: CommandMetadata = {
  commandId: 'c-1',
  correlationId: 'c-1',
  actor: { subject: 'varde-forms', role: 'system' },
  now: '2026-11-22T08:00:00.000Z',
};
const entry = (entryId: string): AccessLogEntry => ({
  entryId,
  patientId: 'p-1',
  actor: { subject: 'nurse-1', role: 'clinician', organisation: '999999999' },
  purpose: 'treatment',
  resource: 'Observation?patient=p-1',
  accessedAt: '2026-11-22T07:59:00.000Z',
  correlationId: 'corr-1',
});
const record = (...entryIds: string[]): RecordAccess => ({ type: 'RecordAccess', data: { entries: entryIds.map(entry) }, metadata });
const logged = (entryId: string): AccessLogged => ({ type: 'AccessLogged', data: entry(entryId) });
const spec = deciderSpec(accessLogDecider);

describe('access log, when empty', () => {
  it('logs a new entry', () => {
    spec.given([]).when(record('e-1')).then([logged('e-1')]);
  });

  it('logs several entries in order', () => {
    spec.given([]).when(record('e-1', 'e-2', 'e-3')).then([logged('e-1'), logged('e-2'), logged('e-3')]);
  });

  it('logs an entry repeated within one command once', () => {
    spec.given([]).when(record('e-1', 'e-1')).then([logged('e-1')]);
  });
});

describe('access log, when recording', () => {
  it('logs nothing for an entry id it already has (a retried call)', () => {
    spec.given([logged('e-1')]).when(record('e-1')).thenNothing();
  });

  it('logs only the entries it does not have yet', () => {
    spec.given([logged('e-1'), logged('e-2')]).when(record('e-1', 'e-3', 'e-2', 'e-4')).then([logged('e-3'), logged('e-4')]);
  });

  it('knows every entry of a forwarded batch of 1 000, the first as well as the last', () => {
    const batch = Array.from({ length: 1_000 }, (_, i) => `batch-${i}`);
    spec.given(batch.map(logged)).when(record('batch-0', 'new-1', 'batch-999', 'batch-500')).then([logged('new-1')]);
  });
});
