import { describe, expect, it } from 'vitest';
import { deterministicId, eventIdFor } from './event-ids';

// The ids are stored: a retried command must find the ids it wrote before, under any release. These values are
// what the first release computed (uuid v5 of the string in the Varde namespace); they must never change.
describe('event ids', () => {
  it('are the same name-based UUIDs as every earlier release wrote', () => {
    expect(eventIdFor('3f2b8a64-0000-4000-8000-000000000001', 0)).toBe('f9707af3-335f-54b6-88ad-16d4d8be0d90');
    expect(eventIdFor('3f2b8a64-0000-4000-8000-000000000001', 12)).toBe('2fff2eeb-1c17-5e96-ab43-20e510080fd3');
  });

  it('encode keys beyond ASCII as UTF-8, as the string form did (Norwegian letters, symbols, astral characters)', () => {
    expect(deterministicId('triage.assessment:Måling ✓ 𝄞')).toBe('7415182b-51e1-5115-9957-91fc4fdeaace');
  });
});
