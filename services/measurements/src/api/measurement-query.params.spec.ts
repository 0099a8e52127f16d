import { describe, expect, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { encodeCursor, pageQuery, searchParams } from './measurement-query.params';

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
  const none = { codes: [], categories: [], identifiers: [], dates: [], lastUpdated: [], elements: [], countOnly: false };

  it('reads a full search and writes it back as the same query', () => {
    const search = searchParams({
      patient: `Patient/${patient}`,
      code: ['http://loinc.org|2708-6,8867-4'],
      category: 'vital-signs',
      identifier: 'urn:x|1',
      date: ['ge2026-11-01', 'lt2026-11-22T08:00:00+01:00'],
      _lastUpdated: 'gt2026-11-01',
      _elements: 'code,valueQuantity',
      _count: '20',
      _sort: '-_lastUpdated',
    });
    expect(search).toMatchObject({
      subject: { patientId: patient },
      codes: [{ system: 'http://loinc.org', code: '2708-6' }, { code: '8867-4' }],
      categories: [{ code: 'vital-signs' }],
      identifiers: [{ system: 'urn:x', value: '1' }],
      dates: [{ op: 'ge', at: '2026-10-31T23:00:00.000Z' }, { op: 'lt', at: '2026-11-22T07:00:00.000Z' }],
      lastUpdated: [{ op: 'ge', at: '2026-11-01T23:00:00.000Z' }],
      elements: ['code', 'valueQuantity'],
      count: 20,
      orderBy: '_lastUpdated',
      descending: true,
    });
    const params = new URLSearchParams(pageQuery(search));
    const again: Record<string, string | string[]> = {};
    for (const key of new Set(params.keys())) again[key] = params.getAll(key).length > 1 ? params.getAll(key) : params.get(key)!;
    expect(searchParams(again)).toEqual(search);
  });

  it('defaults to 50 newest first, and round-trips a cursor', () => {
    const cursor = { t: '2026-11-22T07:00:00.000Z', id: 'abc' };
    expect(searchParams({ patient, _cursor: encodeCursor(cursor) })).toEqual({ ...none, subject: { patientId: patient }, count: 50, orderBy: 'date', descending: true, after: cursor, query: `patient=${patient}&_count=50&_sort=-date` });
  });

  it('takes the patient as subject, or by national identity number as subject:identifier', () => {
    expect(searchParams({ subject: `Patient/${patient}` }).subject).toEqual({ patientId: patient });
    expect(searchParams({ 'subject:identifier': 'urn:oid:2.16.578.1.12.4.1.4.1|15076500565' }).subject).toEqual({ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '15076500565' } });
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
    ['two ways of naming the patient', { patient, subject: `Patient/${patient}` }, 'subject'],
    ['subject:identifier without a system', { 'subject:identifier': '15076500565' }, 'subject:identifier'],
    ['_lastUpdated that is not a date', { patient, _lastUpdated: 'yesterday' }, '_lastUpdated'],
    ['_elements with a path', { patient, _elements: 'valueQuantity.value' }, '_elements'],
    ['a category with an empty system', { patient, category: '|vital-signs' }, 'category'],
  ])('refuses %s, naming %s', (_name, query, field) => {
    expect(fieldOf(query as Record<string, string>)).toBe(field);
  });
});
