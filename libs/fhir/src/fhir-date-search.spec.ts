import { ValidationError } from '@varde/core';
import { describe, expect, it } from 'vitest';
import { fhirDateSearch } from './fhir-date-search';

describe('a FHIR date search value as bounds', () => {
  it.each([
    ['2026-12-01', [{ op: 'ge', at: '2026-11-30T23:00:00.000Z' }, { op: 'lt', at: '2026-12-01T23:00:00.000Z' }]],
    ['eq2026-12', [{ op: 'ge', at: '2026-11-30T23:00:00.000Z' }, { op: 'lt', at: '2026-12-31T23:00:00.000Z' }]],
    ['ne2026-12-01', [{ op: 'outside', at: '2026-11-30T23:00:00.000Z', until: '2026-12-01T23:00:00.000Z' }]],
    ['gt2026-12-01', [{ op: 'ge', at: '2026-12-01T23:00:00.000Z' }]],
    ['sa2026-12-01', [{ op: 'ge', at: '2026-12-01T23:00:00.000Z' }]],
    ['lt2026', [{ op: 'lt', at: '2025-12-31T23:00:00.000Z' }]],
    ['eb2026', [{ op: 'lt', at: '2025-12-31T23:00:00.000Z' }]],
    ['ge2026-12-01T08:00:00Z', [{ op: 'ge', at: '2026-12-01T08:00:00.000Z' }]],
    ['le2026-12-01T08:00:00Z', [{ op: 'lt', at: '2026-12-01T08:00:01.000Z' }]],
  ])('reads date=%s with R4 prefix semantics over the range the value stands for', (text, bounds) => {
    expect(fhirDateSearch(text)).toEqual(bounds);
  });

  it('reads ap as the value widened by a tenth of its distance from now', () => {
    const now = Date.parse('2026-12-11T00:00:00Z');
    expect(fhirDateSearch('ap2026-12-01T00:00:00Z', 'date', now)).toEqual([{ op: 'ge', at: '2026-11-30T00:00:00.000Z' }, { op: 'lt', at: '2026-12-02T00:00:01.000Z' }]);
  });

  it.each(['xx2026-11-01', 'ge0000-01-01T00:00:00Z', 'ge2026-13-45', 'yesterday'])('refuses %s, naming the parameter', (text) => {
    expect(() => fhirDateSearch(text, 'date')).toThrow(ValidationError);
    try {
      fhirDateSearch(text, 'date');
    } catch (error) {
      expect((error as ValidationError).issues[0]?.field).toBe('date');
    }
  });
});
