import type { Actor, DomainEvent } from '@varde/core';

/** An emergency access (akuttilgang) as opened: who, for which patient, why, until when. */
export type EmergencyAccessGrant = Readonly<{
  grantId: string;
  patientId: string;
  actor: Actor;
  /** HPR number of the clinician, when their token carried it. */
  hprNumber?: string;
  /** The care team of the patient's active enrolment when it was opened: the team it is reported to. */
  careTeamId?: string;
  /** The patient's blocks (Consent ids) naming the clinician when it was opened: what it overrides (absent: none). */
  overridesBlocks?: readonly string[];
  reason: string;
  openedAt: string;
  expiresAt: string;
}>;

/** A clinician outside the care team, or blocked by the patient, opened the patient's data in an emergency. */
export type EmergencyAccessOpened = DomainEvent<'EmergencyAccessOpened', EmergencyAccessGrant>;

/** Every event of an emergency access's stream. */
export type EmergencyAccessEvent = EmergencyAccessOpened;

/** An emergency access folded from its events. */
export type EmergencyAccessState = { status: 'none' } | { status: 'open'; grant: EmergencyAccessGrant };

/** The state before any event. */
export const initialEmergencyAccessState = (): EmergencyAccessState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveEmergencyAccess(state: EmergencyAccessState, event: EmergencyAccessEvent): EmergencyAccessState {
  switch (event.type) {
    case 'EmergencyAccessOpened':
      return { status: 'open', grant: event.data };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** The stream of one emergency access. */
export const emergencyAccessStreamId = (grantId: string): string => `emergency-access-${grantId}`;
