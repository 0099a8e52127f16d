import { UnprocessableError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { describe, expect, it } from 'vitest';
import { guardianshipDecider, type RegisterGuardian } from './guardianship.decide';
import type { Guardianship, GuardianshipEvent } from './guardianship.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'clinician-1', role: 'clinician' }, now: '2026-12-06T08:00:00.000Z' };
const guardianship = (childBirthDate: string): Guardianship => ({
  relatedPersonId: 'rp-1',
  patientId: 'p-1',
  guardianIdentifiers: ['guardian-1'],
  relationship: 'MTH',
  childBirthDate,
  resource: { resourceType: 'RelatedPerson' },
});
const register = (childBirthDate: string, today = '2026-12-06'): RegisterGuardian => ({ type: 'RegisterGuardian', data: { ...guardianship(childBirthDate), today }, metadata });
const registered = (childBirthDate: string): GuardianshipEvent => ({ type: 'GuardianRegistered', data: guardianship(childBirthDate) });
const spec = deciderSpec(guardianshipDecider);

describe('guardianship, when none is registered', () => {
  it('registers a guardian for a child, without the date the age was judged on', () => {
    spec.given([]).when(register('2015-03-01')).then([registered('2015-03-01')]);
  });
  it('registers one for a patient who turns 18 tomorrow', () => {
    spec.given([]).when(register('2008-12-07')).then([registered('2008-12-07')]);
  });
  it('refuses (422 naming childBirthDate) a patient who is 18 today: an adult has no guardian in Varde', () => {
    spec.given([]).when(register('2008-12-06')).thenThrows(UnprocessableError, (e) => {
      expect(e.field).toBe('childBirthDate');
      expect(e.message).toContain('the patient is 18, an adult');
    });
  });
});

describe('guardianship, when registered', () => {
  it('changes nothing when the registration comes again', () => {
    spec.given([registered('2015-03-01')]).when(register('2015-03-01')).thenNothing();
  });
});
