import { describe, expect, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { shippedPathways } from '../infrastructure/shipped-pathways.loader';
import { parsePlanDefinition } from './plan-definition.parser';

const shipped = shippedPathways();
const heartFailure = shipped.get('heart-failure.json')!;
const issuesOf = (plan: unknown, activities = heartFailure.activityDefinitions): ReadonlyArray<{ field: string; message: string }> => {
  try {
    parsePlanDefinition(plan, activities);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected the PlanDefinition to be refused');
};
const withTiming = (repeat: unknown) => heartFailure.activityDefinitions.map((a, i) => (i === 0 ? { ...a, timingTiming: { repeat } } : a));

describe('PlanDefinition as a pathway', () => {
  it('reads the shipped COPD and heart-failure pathways: activities with their schedules, rule set, care team, self-care plan in nb and en', () => {
    expect([...shipped.keys()]).toEqual(['copd.json', 'heart-failure.json']);
    const copdBundle = shipped.get('copd.json')!;
    const copd = parsePlanDefinition(copdBundle.planDefinition, copdBundle.activityDefinitions);
    expect(copd.definition).toMatchObject({ id: 'copd', ruleSet: { id: 'copd-default' }, defaultCareTeam: 'copd-care-team', expectedDuration: 'P12W' });
    expect(copd.definition.activities.map((a) => [a.kind, a.loinc ?? a.questionnaire])).toEqual([
      ['measurement', '2708-6'],
      ['measurement', '8867-4'],
      ['questionnaire', 'https://varde.no/fhir/Questionnaire/cat|1'],
    ]);
    const hf = parsePlanDefinition(heartFailure.planDefinition, heartFailure.activityDefinitions);
    expect(hf.definition.activities[0]).toMatchObject({ kind: 'measurement', loinc: '29463-7', schedule: { period: 1, periodUnit: 'd', timeOfDay: ['07:00:00'], window: 'PT5H' } });
    expect(hf.definition.activities[1]?.schedule.dayOfWeek).toEqual(['mon', 'wed', 'fri']);
    expect(hf.definition.selfCarePlan?.red.nb).toContain('113');
    expect(hf.definition.selfCarePlan?.red.en).toContain('113');
  });

  it.each([
    ['no period and no days', { timeOfDay: ['08:00:00'] }, 'can never fire'],
    ['a period of 0', { period: 0, periodUnit: 'd' }, 'can never fire'],
    ['a count of 0', { period: 1, periodUnit: 'd', count: 0 }, 'can never fire'],
    ['an empty list of days', { dayOfWeek: [] }, 'can never fire'],
    ['bounds that end before they start', { period: 1, periodUnit: 'd', boundsPeriod: { start: '2027-02-01', end: '2027-01-01' } }, 'can never fire'],
    ['an hourly period', { period: 4, periodUnit: 'h' }, 'expected "d" or "wk"'],
    ['a time of day that is not one', { period: 1, periodUnit: 'd', timeOfDay: ['25:00'] }, 'HH:MM:SS'],
  ])('refuses a Timing with %s, naming the element', (_case, repeat, message) => {
    const issues = issuesOf(heartFailure.planDefinition, withTiming(repeat));
    expect(issues).toContainEqual({ field: expect.stringContaining('timingTiming.repeat'), message: expect.stringContaining(message) });
  });

  it('refuses an action whose ActivityDefinition is not there, and reports every problem at once', () => {
    const { extension: _dropped, ...bare } = heartFailure.planDefinition as Record<string, unknown>;
    const issues = issuesOf({ ...bare, type: undefined }, []);
    expect(issues.map((i) => i.field)).toEqual(
      expect.arrayContaining(['PlanDefinition.type', 'PlanDefinition.extension(pathway-rule-set)', 'PlanDefinition.extension(pathway-default-care-team)', 'PlanDefinition.extension(pathway-self-care-plan)', 'PlanDefinition.action[0].definitionCanonical']),
    );
    expect(issues.find((i) => i.field === 'PlanDefinition.action[0].definitionCanonical')?.message).toContain('does not resolve');
  });
});
