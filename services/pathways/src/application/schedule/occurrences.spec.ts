import { describe, expect, it } from 'vitest';
import type { PathwayActivity } from '../../domain/pathway-definition';
import { occurrencesOf } from './occurrences';

const activity = (schedule: Partial<PathwayActivity['schedule']>): PathwayActivity => ({
  id: 'https://varde.no/fhir/ActivityDefinition/spo2|1',
  title: 'SpO2',
  kind: 'measurement',
  loinc: '2708-6',
  schedule: { period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'], window: 'PT4H', ...schedule },
});
const ENROLLED = '2027-03-01T09:00:00+01:00';
const due = (a: PathwayActivity, from: string, to: string, zone?: string) => occurrencesOf(a, 'e-1', ENROLLED, from, to, zone).map((o) => [o.slot, o.dueAt, o.windowEnd]);

describe('activity schedule in Europe/Oslo', () => {
  it('keeps a daily 08:00 task at 08:00 local through the night of 28 March 2027 (clocks forward): 23 hours apart', () => {
    expect(due(activity({}), '2027-03-27T00:00:00+01:00', '2027-03-29T00:00:00+02:00')).toEqual([
      ['2027-03-27T08:00:00', '2027-03-27T07:00:00.000Z', '2027-03-27T11:00:00.000Z'],
      ['2027-03-28T08:00:00', '2027-03-28T06:00:00.000Z', '2027-03-28T10:00:00.000Z'],
    ]);
  });

  it('keeps it at 08:00 local through the night of 31 October 2027 (clocks back): 25 hours apart', () => {
    expect(due(activity({}), '2027-10-30T00:00:00+02:00', '2027-11-01T00:00:00+01:00')).toEqual([
      ['2027-10-30T08:00:00', '2027-10-30T06:00:00.000Z', '2027-10-30T10:00:00.000Z'],
      ['2027-10-31T08:00:00', '2027-10-31T07:00:00.000Z', '2027-10-31T11:00:00.000Z'],
    ]);
  });

  it('gives a time that does not exist on 28 March (02:30) one task, when the clocks have gone forward', () => {
    expect(due(activity({ timeOfDay: ['02:30:00'] }), '2027-03-28T00:00:00+01:00', '2027-03-29T00:00:00+02:00')).toEqual([['2027-03-28T02:30:00', '2027-03-28T01:30:00.000Z', '2027-03-28T05:30:00.000Z']]);
  });

  it('gives a time that happens twice on 31 October (02:30) one task, not two', () => {
    const tasks = due(activity({ timeOfDay: ['02:30:00'] }), '2027-10-31T00:00:00+02:00', '2027-11-01T00:00:00+01:00');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]![0]).toBe('2027-10-31T02:30:00');
  });

  it('ends a one-day window at the same local time the next day across the change (23 hours)', () => {
    const [task] = occurrencesOf(activity({ window: 'P1D' }), 'e-1', ENROLLED, '2027-03-27T00:00:00+01:00', '2027-03-28T00:00:00+01:00');
    expect(task).toMatchObject({ dueAt: '2027-03-27T07:00:00.000Z', windowEnd: '2027-03-28T06:00:00.000Z' });
  });

  it('gives a patient who changes time zone the same tasks (same ids), at local time in the new zone: no duplicates', () => {
    const oslo = occurrencesOf(activity({}), 'e-1', ENROLLED, '2027-06-01T00:00:00Z', '2027-06-08T00:00:00Z');
    const newYork = occurrencesOf(activity({}), 'e-1', ENROLLED, '2027-06-01T00:00:00Z', '2027-06-08T00:00:00Z', 'America/New_York');
    const ids = (list: typeof oslo) => list.map((o) => o.taskId);
    expect(ids(newYork).filter((id) => ids(oslo).includes(id))).toHaveLength(7);
    expect(new Set([...ids(oslo), ...ids(newYork)]).size).toBe(7);
    expect(newYork[1]).toMatchObject({ slot: '2027-06-02T08:00:00', dueAt: '2027-06-02T12:00:00.000Z' });
  });

  it('schedules Monday, Wednesday and Friday, weekly from the enrolment day, every 4 weeks, and nothing before the enrolment', () => {
    const week = ['2027-03-01T00:00:00+01:00', '2027-03-08T00:00:00+01:00'] as const;
    expect(due(activity({ period: undefined, periodUnit: undefined, dayOfWeek: ['mon', 'wed', 'fri'] }), ...week).map((t) => t[0])).toEqual(['2027-03-03T08:00:00', '2027-03-05T08:00:00']);
    expect(due(activity({ period: 1, periodUnit: 'wk' }), '2027-03-01T00:00:00+01:00', '2027-03-29T00:00:00+02:00').map((t) => t[0])).toEqual(['2027-03-08T08:00:00', '2027-03-15T08:00:00', '2027-03-22T08:00:00']);
    expect(due(activity({ period: 4, periodUnit: 'wk', timeOfDay: ['10:00:00'] }), '2027-03-01T00:00:00+01:00', '2027-05-01T00:00:00+02:00').map((t) => t[0])).toEqual(['2027-03-01T10:00:00', '2027-03-29T10:00:00', '2027-04-26T10:00:00']);
  });
});
