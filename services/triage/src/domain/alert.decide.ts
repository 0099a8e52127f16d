import { IllegalStateError, NotFoundError, ValidationError, type Decider, type DomainCommand } from '@varde/core';
import { ALERT_OUTCOMES, evolveAlert, initialAlertState, type AlertColour, type AlertEvent, type AlertOutcome, type AlertState } from './alert.events';

/** Raise an alert for a move to yellow or red, or make the patient's unresolved yellow alert red. */
export type RaiseAlert = DomainCommand<
  'RaiseAlert',
  { alertId: string; patientId: string; pathwayId: string; colour: AlertColour; reasons: readonly string[]; assessmentId: string; redAcknowledgeLimitSeconds: number }
>;
/** A clinician takes the alert on. */
export type AcknowledgeAlert = DomainCommand<'AcknowledgeAlert', { alertId: string }>;
/** Give the alert to a clinician. */
export type AssignAlert = DomainCommand<'AssignAlert', { alertId: string; assignee: string }>;
/** Add a note. */
export type CommentOnAlert = DomainCommand<'CommentOnAlert', { alertId: string; text: string }>;
/** Close the alert with an outcome. */
export type ResolveAlert = DomainCommand<'ResolveAlert', { alertId: string; outcome: string | undefined; note: string | null }>;
/** Escalate an overdue red alert to `level` (one more than the last), choosing the target from the chain. */
export type EscalateAlert = DomainCommand<'EscalateAlert', { alertId: string; level: number; chain: readonly string[]; limitSeconds: number }>;

/** Every command of the alert decider. */
export type AlertCommand = RaiseAlert | AcknowledgeAlert | AssignAlert | CommentOnAlert | ResolveAlert | EscalateAlert;

const plusSeconds = (iso: string, seconds: number): string => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/**
 * One alert per patient at a time: raising on an unresolved yellow alert with red makes it red (and
 * unacknowledged again, with a new deadline); anything else on an unresolved alert changes nothing.
 * Acknowledging twice or assigning the same person again is a no-op; changing a resolved alert is refused.
 */
export function decideAlert(command: AlertCommand, state: AlertState): AlertEvent[] {
  const now = command.metadata.now;
  if (command.type === 'RaiseAlert') return raise(command, state);
  if (state.status === 'none') throw new NotFoundError(`Alert ${command.data.alertId} does not exist`);
  const { alertId, patientId } = state;
  switch (command.type) {
    case 'AcknowledgeAlert':
      if (state.status === 'resolved') throw new IllegalStateError(`Alert ${alertId} is already resolved; there is nothing left to acknowledge`);
      return state.status === 'acknowledged' ? [] : [{ type: 'AlertAcknowledged', data: { alertId, patientId, acknowledgedAt: now } }];
    case 'AssignAlert':
      if (state.status === 'resolved') throw new IllegalStateError(`Alert ${alertId} is already resolved; it cannot be assigned`);
      return state.assignee === command.data.assignee ? [] : [{ type: 'AlertAssigned', data: { alertId, patientId, assignee: command.data.assignee, assignedAt: now } }];
    case 'CommentOnAlert':
      if (state.status === 'resolved') throw new IllegalStateError(`Alert ${alertId} is already resolved; comments are closed`);
      if (command.data.text.trim() === '') throw ValidationError.field('text', 'a comment needs some text');
      return [{ type: 'AlertCommented', data: { alertId, patientId, text: command.data.text, commentedAt: now } }];
    case 'ResolveAlert': {
      if (state.status === 'resolved') throw new IllegalStateError(`Alert ${alertId} is already resolved (${state.outcome})`);
      const outcome = command.data.outcome;
      if (!isOutcome(outcome)) throw ValidationError.field('outcome', `${outcome === undefined ? 'required' : `unknown outcome "${outcome}"`}: expected one of ${ALERT_OUTCOMES.join(', ')}`);
      return [{ type: 'AlertResolved', data: { alertId, patientId, outcome, note: command.data.note, resolvedAt: now } }];
    }
    case 'EscalateAlert':
      return escalate(command, state);
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

function raise(command: RaiseAlert, state: AlertState): AlertEvent[] {
  const { alertId, patientId, pathwayId, colour, reasons, assessmentId, redAcknowledgeLimitSeconds } = command.data;
  const now = command.metadata.now;
  if (state.status === 'none') {
    const acknowledgeBy = colour === 'red' ? plusSeconds(now, redAcknowledgeLimitSeconds) : null;
    return [{ type: 'AlertRaised', data: { alertId, patientId, pathwayId, colour, reasons, assessmentId, raisedAt: now, acknowledgeBy } }];
  }
  if (state.status === 'resolved' || state.colour === 'red' || colour !== 'red') return [];
  return [{ type: 'AlertSeverityRaised', data: { alertId, patientId, colour, reasons, assessmentId, raisedAt: now, acknowledgeBy: plusSeconds(now, redAcknowledgeLimitSeconds) } }];
}

// Only the next level of an open red alert past its deadline: a late or repeated scheduler run does nothing.
function escalate(command: EscalateAlert, state: Exclude<AlertState, { status: 'none' }>): AlertEvent[] {
  const { level, chain, limitSeconds } = command.data;
  const now = command.metadata.now;
  const due = state.status === 'open' && state.colour === 'red' && state.acknowledgeBy !== null && Date.parse(now) >= Date.parse(state.acknowledgeBy);
  if (!due || level !== state.escalationLevel + 1 || chain.length === 0) return [];
  // Past the end of the chain the last target (typically the on-call) keeps being called.
  const target = chain[Math.min(level, chain.length) - 1]!;
  return [{ type: 'AlertEscalated', data: { alertId: state.alertId, patientId: state.patientId, level, target, escalatedAt: now, acknowledgeBy: plusSeconds(now, limitSeconds) } }];
}

const isOutcome = (value: string | undefined): value is AlertOutcome => (ALERT_OUTCOMES as readonly (string | undefined)[]).includes(value);

/** The alert decider. */
export const alertDecider: Decider<AlertCommand, AlertState, AlertEvent> = {
  decide: decideAlert,
  evolve: evolveAlert,
  initialState: initialAlertState,
};
