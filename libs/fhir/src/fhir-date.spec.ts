import { describe, expect, it } from 'vitest';
import { fhirDateRange, fhirDateStart } from './fhir-date';

const range = (value: string) => {
  const r = fhirDateRange(value);
  return r && { start: r.start.toISOString(), end: r.end.toISOString(), precision: r.precision };
};

describe('FHIR dates read in Europe/Oslo', () => {
  it('reads a day as Oslo midnight to midnight, in winter and in summer', () => {
    expect(range('2026-12-01')).toEqual({ start: '2026-11-30T23:00:00.000Z', end: '2026-12-01T23:00:00.000Z', precision: 'day' });
    expect(range('2026-07-01')).toEqual({ start: '2026-06-30T22:00:00.000Z', end: '2026-07-01T22:00:00.000Z', precision: 'day' });
  });

  it('spans a daylight-saving change: the day clocks go forward has 23 hours', () => {
    const r = fhirDateRange('2026-03-29')!;
    expect((r.end.getTime() - r.start.getTime()) / 3_600_000).toBe(23);
  });

  it('reads a month and a year as their whole span', () => {
    expect(range('2026-12')).toEqual({ start: '2026-11-30T23:00:00.000Z', end: '2026-12-31T23:00:00.000Z', precision: 'month' });
    expect(range('2026')).toEqual({ start: '2025-12-31T23:00:00.000Z', end: '2026-12-31T23:00:00.000Z', precision: 'year' });
  });

  it('takes a time with its zone as the instant, to the precision given', () => {
    expect(range('2026-12-01T08:00:00+01:00')).toEqual({ start: '2026-12-01T07:00:00.000Z', end: '2026-12-01T07:00:01.000Z', precision: 'time' });
    expect(range('2026-12-01T08:00+01:00')).toEqual({ start: '2026-12-01T07:00:00.000Z', end: '2026-12-01T07:01:00.000Z', precision: 'time' });
    expect(fhirDateStart('2026-12-01T08:00:00.250Z')?.toISOString()).toBe('2026-12-01T08:00:00.250Z');
  });

  it('reads early years as themselves, not as the 1900s', () => {
    expect(fhirDateStart('0050-06-01', 'UTC')?.getUTCFullYear()).toBe(50);
  });

  it.each(['2026-13-01', '2026-02-30', '2026-12-01T25:00:00Z', '2026-12-01T08:00:00', 'yesterday', '20261201'])('refuses %s', (value) => {
    expect(fhirDateRange(value)).toBeUndefined();
  });
});
