import { ageOn, UnprocessableError, type Decider, type DomainCommand } from '@varde/core';
import { evolveGuardianship, initialGuardianshipState, type Guardianship, type GuardianshipEvent, type GuardianshipState } from './guardianship.events';

/** Age from which nobody is registered as a guardian in Varde: an adult (myndig, vergemålsloven § 2). */
export const ADULT_AGE = 18;

/** Register a guardian for a child; `today` is the date (Europe/Oslo) the child's age is judged on. */
export type RegisterGuardian = DomainCommand<'RegisterGuardian', Guardianship & Readonly<{ today: string }>>;

/** Every command of the guardianship decider. */
export type GuardianshipCommand = RegisterGuardian;

/** Registers a guardian once; refuses (422) a registration for an adult. */
export function decideGuardianship(command: GuardianshipCommand, state: GuardianshipState): GuardianshipEvent[] {
  switch (command.type) {
    case 'RegisterGuardian': {
      if (state.status === 'registered') return [];
      const { today, ...guardianship } = command.data;
      const age = ageOn(guardianship.childBirthDate, today);
      if (age >= ADULT_AGE) {
        throw new UnprocessableError('childBirthDate', `the patient is ${age}, an adult: nobody acts for them as a guardian in Varde (parental responsibility ends at ${ADULT_AGE}; a verge for an adult under vergemålsloven is not registered here)`);
      }
      return [{ type: 'GuardianRegistered', data: guardianship }];
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The guardianship decider. */
export const guardianshipDecider: Decider<GuardianshipCommand, GuardianshipState, GuardianshipEvent> = {
  decide: decideGuardianship,
  evolve: evolveGuardianship,
  initialState: initialGuardianshipState,
};
