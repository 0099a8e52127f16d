import { deepStrictEqual, fail } from 'node:assert';
import type { Decider, DomainCommand, DomainEvent } from '@varde/core';

/** given/when/then for pure deciders: `spec.given([PatientEnrolled]).when(PauseEnrolment).then([EnrolmentPaused])`. */
export type DeciderSpec<C extends DomainCommand, E extends DomainEvent> = {
  given: (events: readonly E[]) => {
    when: (command: C) => {
      then: (expected: readonly E[]) => void;
      thenNothing: () => void;
      thenThrows: <T extends Error>(errorType: new (...args: never[]) => T, check?: (error: T) => void) => void;
    };
  };
};

/** Builds a {@link DeciderSpec} for a decider. */
export function deciderSpec<C extends DomainCommand, S, E extends DomainEvent>(decider: Decider<C, S, E>): DeciderSpec<C, E> {
  return {
    given: (events) => ({
      when: (command) => {
        const run = (): readonly E[] => {
          const state = events.reduce(decider.evolve, decider.initialState());
          const decided = decider.decide(command, state);
          return Array.isArray(decided) ? decided : [decided as E];
        };
        return {
          then: (expected) => deepStrictEqual(run(), expected),
          thenNothing: () => deepStrictEqual(run(), []),
          thenThrows: (errorType, check) => {
            try {
              run();
            } catch (error) {
              if (!(error instanceof errorType)) throw error;
              check?.(error);
              return;
            }
            fail(`expected ${errorType.name} to be thrown`);
          },
        };
      },
    }),
  };
}
