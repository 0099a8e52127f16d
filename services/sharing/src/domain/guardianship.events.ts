import type { DomainEvent } from '@varde/core';

/** A guardian registered for a child (FHIR RelatedPerson): who, on which legal basis, and the child's birth date. */
export type Guardianship = Readonly<{
  relatedPersonId: string;
  patientId: string;
  /** The guardian's identifiers (their token subject among them): what a guardian's token is matched against. */
  guardianIdentifiers: readonly string[];
  /** v3-RoleCode of the relationship: PRN, MTH, FTH (parental responsibility) or GUARD (appointed guardian). */
  relationship: string;
  /** The child's date of birth (from the national id, which is not kept): the age rules are judged from it. */
  childBirthDate: string;
  /** The RelatedPerson as sent, less the child's national id. */
  resource: Readonly<Record<string, unknown>>;
}>;

/** A guardian was registered for a child. */
export type GuardianRegistered = DomainEvent<'GuardianRegistered', Guardianship>;

/** Every event of a guardianship's stream. */
export type GuardianshipEvent = GuardianRegistered;

/** A guardianship folded from its events. */
export type GuardianshipState = { status: 'none' } | { status: 'registered'; guardianship: Guardianship };

/** The state before any event. */
export const initialGuardianshipState = (): GuardianshipState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveGuardianship(state: GuardianshipState, event: GuardianshipEvent): GuardianshipState {
  switch (event.type) {
    case 'GuardianRegistered':
      return { status: 'registered', guardianship: event.data };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** The stream of one guardianship. */
export const guardianshipStreamId = (relatedPersonId: string): string => `guardianship-${relatedPersonId}`;
