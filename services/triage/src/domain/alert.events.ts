import type { DomainEvent } from '@varde/core';
import type { Colour } from './triage-rules';

/** Colour of an alert: only a move to yellow or red raises one. */
export type AlertColour = Exclude<Colour, 'green'>;

/** How a clinician closed an alert. */
export const ALERT_OUTCOMES = ['contacted-patient', 'changed-treatment', 'booked-visit', 'no-action'] as const;
/** One of {@link ALERT_OUTCOMES}. */
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

/** A patient moved to yellow or red and had no unresolved alert. */
export type AlertRaised = DomainEvent<
  'AlertRaised',
  {
    alertId: string;
    patientId: string;
    pathwayId: string;
    colour: AlertColour;
    reasons: readonly string[];
    assessmentId: string;
    raisedAt: string;
    /** Deadline for acknowledging a red alert before it escalates; null for yellow. */
    acknowledgeBy: string | null;
  }
>;

/**
 * A patient with an unresolved yellow alert turned red: the same alert becomes red (one alert per patient),
 * goes back to unacknowledged and gets an acknowledgement deadline.
 */
export type AlertSeverityRaised = DomainEvent<
  'AlertSeverityRaised',
  { alertId: string; patientId: string; colour: 'red'; reasons: readonly string[]; assessmentId: string; raisedAt: string; acknowledgeBy: string }
>;

/** A clinician took the alert on; escalation stops. */
export type AlertAcknowledged = DomainEvent<'AlertAcknowledged', { alertId: string; patientId: string; acknowledgedAt: string }>;

/** The alert was given to a clinician (subject id). */
export type AlertAssigned = DomainEvent<'AlertAssigned', { alertId: string; patientId: string; assignee: string; assignedAt: string }>;

/** A clinician wrote a note on the alert. */
export type AlertCommented = DomainEvent<'AlertCommented', { alertId: string; patientId: string; text: string; commentedAt: string }>;

/** A red alert was not acknowledged in time and went to the next team or person of the chain. */
export type AlertEscalated = DomainEvent<
  'AlertEscalated',
  { alertId: string; patientId: string; level: number; target: string; escalatedAt: string; acknowledgeBy: string }
>;

/** The alert was closed with an outcome. */
export type AlertResolved = DomainEvent<'AlertResolved', { alertId: string; patientId: string; outcome: AlertOutcome; note: string | null; resolvedAt: string }>;

/** Every event of an alert stream. */
export type AlertEvent = AlertRaised | AlertSeverityRaised | AlertAcknowledged | AlertAssigned | AlertCommented | AlertEscalated | AlertResolved;

/** What every existing alert knows. */
type AlertFacts = Readonly<{
  alertId: string;
  patientId: string;
  colour: AlertColour;
  raisedAt: string;
  acknowledgeBy: string | null;
  escalationLevel: number;
  assignee: string | null;
}>;

/** An alert, folded from its events. */
export type AlertState =
  | Readonly<{ status: 'none' }>
  | (AlertFacts & Readonly<{ status: 'open' }>)
  | (AlertFacts & Readonly<{ status: 'acknowledged' }>)
  | (AlertFacts & Readonly<{ status: 'resolved'; outcome: AlertOutcome }>);

/** The state before any event. */
export const initialAlertState = (): AlertState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveAlert(state: AlertState, event: AlertEvent): AlertState {
  if (event.type === 'AlertRaised') {
    const { alertId, patientId, colour, raisedAt, acknowledgeBy } = event.data;
    return { status: 'open', alertId, patientId, colour, raisedAt, acknowledgeBy, escalationLevel: 0, assignee: null };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'AlertSeverityRaised':
      return { ...state, status: 'open', colour: event.data.colour, acknowledgeBy: event.data.acknowledgeBy };
    case 'AlertAcknowledged':
      return { ...state, status: 'acknowledged', acknowledgeBy: null };
    case 'AlertAssigned':
      return { ...state, assignee: event.data.assignee };
    case 'AlertCommented':
      return state;
    case 'AlertEscalated':
      return { ...state, escalationLevel: event.data.level, acknowledgeBy: event.data.acknowledgeBy };
    case 'AlertResolved':
      return { ...state, status: 'resolved', acknowledgeBy: null, outcome: event.data.outcome };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The one name of an alert's stream. */
export const alertStreamId = (alertId: string): string => `alert-${alertId}`;
