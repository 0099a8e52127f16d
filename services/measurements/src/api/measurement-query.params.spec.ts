import { describe, expect, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { encodeCursor, searchParams, searchQueryString } from './measurement-query.params';

const patient = '2f1d0c8e-6a4b-4c1e-9d7a-3b5e8f0a1c2d';
const fieldOf = (query: Record<string, string | string[]>): string | undefined => {
  try {
    searchParams(query);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues[0]?.field;
    throw error;
  }
  return undefined;
};

describe('searchParams', () => {
  it('reads a full search and writes it back as the same query', () => {
    const search = searchParams({ patient: `Patient/${patient}`, code: 'http://loinc.org|2708-6', date: ['ge2026-11-01', 'lt2026-11-22T08:00:00+01:00'], _count: '20', _sort: 'date' });
    expect(search).toEqual({
      patientId: patient,
      code: { system: 'http://loinc.org', code: '2708-6' },
      dates: [{ op: 'ge', at: '2026-10-31T23:00:00.000Z' }, { op: 'lt', at: '2026-11-22T07:00:00.000Z' }],
      dateTexts: ['ge2026-11-01', 'lt2026-11-22T08:00:00+01:00'],
      count: 20,
      descending: false,
    });
    const params = new URLSearchParams(searchQueryString(search));
    expect(searchParams({ ...Object.fromEntries(params.entries()), date: params.getAll('date') })).toEqual(search);
  });

  it('defaults to 50 newest first, and round-trips a cursor', () => {
    const cursor = { t: '2026-11-22T07:00:00.000Z', id: 'abc' };
    expect(searchParams({ patient, _cursor: encodeCursor(cursor) })).toEqual({ patientId: patient, dates: [], dateTexts: [], count: 50, descending: true, after: cursor });
  });

  it.each([
    ['no patient', {}, 'patient'],
    ['a national id as patient', { patient: '15076500565' }, 'patient'],
    ['an unknown prefix', { patient, date: 'xx2026-11-01' }, 'date'],
    ['year 0000', { patient, date: 'ge0000-01-01T00:00:00Z' }, 'date'],
    ['a date that is not one', { patient, date: 'ge2026-13-45' }, 'date'],
    ['_count 0', { patient, _count: '0' }, '_count'],
    ['_count 1001', { patient, _count: '1001' }, '_count'],
    ['_count abc', { patient, _count: 'abc' }, '_count'],
    ['_sort by value', { patient, _sort: 'value' }, '_sort'],
    ['a forged cursor', { patient, _cursor: 'not-ours' }, '_cursor'],
    ['a bad code', { patient, code: 'http://loinc.org|' }, 'code'],
    ['an unknown parameter', { patient, value: '93' }, 'value'],
  ])('refuses %s, naming %s', (_name, query, field) => {
    expect(fieldOf(query as Record<string, string>)).toBe(field);
  });
});
