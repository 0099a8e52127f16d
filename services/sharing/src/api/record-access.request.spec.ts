import { describe, expect, it } from 'vitest';
import type { sharingV1Service } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import { accessEntriesFrom, MAX_ENTRIES_PER_CALL } from './record-access.request';

const now = '2026-11-22T08:00:00.000Z';
const patient = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';
const entry = (overrides: Partial<sharingV1Service.AccessEntry> = {}): sharingV1Service.AccessEntry => ({
  entryId: 'e-1',
  patientId: patient,
  actor: { subject: 'nurse-1', role: 'clinician', organisation: '999999999', onBehalfOf: '', hprNumber: '' },
  purpose: 'treatment',
  resource: `Observation?patient=${patient}`,
  accessedAt: new Date('2026-11-22T07:59:00.000Z'),
  correlationId: 'corr-1',
  reason: '',
  ...overrides,
});
const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => i.field);
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('RecordAccess request validation', () => {
  it('turns a complete entry into an access-log entry', () => {
    expect(accessEntriesFrom([entry()], now)).toEqual([
      {
        entryId: 'e-1',
        patientId: patient,
        actor: { subject: 'nurse-1', role: 'clinician', organisation: '999999999' },
        purpose: 'treatment',
        resource: `Observation?patient=${patient}`,
        accessedAt: '2026-11-22T07:59:00.000Z',
        correlationId: 'corr-1',
      },
    ]);
  });

  it('takes a missing accessed_at as the time the log received it', () => {
    expect(accessEntriesFrom([entry({ accessedAt: null as unknown as undefined })], now)[0]?.accessedAt).toBe(now);
  });

  it('names the missing patient_id, entry_id and actor.role with the entry index', () => {
    expect(fieldsOf(() => accessEntriesFrom([entry(), entry({ entryId: 'e-2', patientId: '' })], now))).toEqual(['entries[1].patient_id']);
    expect(fieldsOf(() => accessEntriesFrom([entry({ entryId: '' })], now))).toEqual(['entries[0].entry_id']);
    expect(fieldsOf(() => accessEntriesFrom([entry({ actor: undefined })], now))).toEqual(['entries[0].actor.role']);
  });

  it('reports every bad field of the request at once', () => {
    expect(fieldsOf(() => accessEntriesFrom([entry({ entryId: '' }), entry({ patientId: 'not-a-uuid', actor: { subject: 's', role: 'janitor', organisation: '', onBehalfOf: '', hprNumber: '' } })], now))).toEqual([
      'entries[0].entry_id',
      'entries[1].patient_id',
      'entries[1].actor.role',
    ]);
  });

  it('refuses one entry id used for two patients', () => {
    expect(fieldsOf(() => accessEntriesFrom([entry(), entry({ patientId: '0b9d7a1c-2e3f-4a5b-8c6d-7e8f9a0b1c2d' })], now))).toEqual(['entries[1].entry_id']);
  });

  it('refuses an oversized batch', () => {
    expect(fieldsOf(() => accessEntriesFrom(Array.from({ length: MAX_ENTRIES_PER_CALL + 1 }, (_, i) => entry({ entryId: `e-${i}` })), now))).toEqual(['entries']);
  });

  it('accepts an empty batch', () => {
    expect(accessEntriesFrom([], now)).toEqual([]);
  });
});
