import type { Actor } from '@varde/core';
import type { Transaction } from '@varde/event-sourcing';
import type { ListScope } from '@varde/platform';
import type { AlertColour, AlertEvent, AlertOutcome } from '../domain/alert.events';
import type { PositionedEvent } from './positioned-event';

/** Where an alert is in its life. */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** One alert as listed. */
export type AlertView = Readonly<{
  id: string;
  patientId: string;
  pathwayId: string;
  colour: AlertColour;
  status: AlertStatus;
  reasons: readonly string[];
  assessmentId: string;
  raisedAt: string;
  ageSeconds: number;
  acknowledgeBy: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  outcome: AlertOutcome | null;
  assignee: string | null;
  escalationLevel: number;
  escalatedTo: string | null;
}>;

/** One step of an alert's history: the event, who did it and when it was recorded. */
export type AlertHistoryEntry = Readonly<{ type: AlertEvent['type']; data: AlertEvent['data']; actor: Actor; recordedAt: string }>;

/** Filters of the alert list: the care teams whose patients' alerts to show (absent: every patient's) and what the access policy adds to or takes out of them (`scope`). */
export type AlertFilter = Readonly<{ status?: AlertStatus; patientId?: string; assignee?: string; limit: number; careTeams?: readonly string[]; scope?: ListScope }>;

/** An open red alert whose acknowledgement deadline has passed. */
export type OverdueAlert = Readonly<{ alertId: string; pathwayId: string; escalationLevel: number }>;

/** Port: the alerts read model's writer, one row per alert, and the lookups the alert use cases decide with. */
export abstract class AlertsProjection {
  /** Applies an alert's events in `tx`; an event at or before the row's position (a redelivery) changes nothing. */
  abstract apply(tx: Transaction, events: readonly PositionedEvent<AlertEvent>[]): Promise<void>;
  /** The patient's latest unresolved alert, read in `tx` (so the answer belongs to the same commit). */
  abstract unresolvedAlertOf(tx: Transaction, patientId: string): Promise<string | undefined>;
  /** Open red alerts past their deadline at `now`, the most overdue first. */
  abstract overdue(now: Date, limit: number): Promise<readonly OverdueAlert[]>;
}

/** Port: reads of alerts, and an alert's history from its stream. */
export abstract class AlertsQuery {
  /** Red before yellow, then the oldest first. */
  abstract list(filter: AlertFilter, now: Date): Promise<readonly AlertView[]>;
  /** One alert, or undefined when there is none with that id. */
  abstract get(alertId: string, now: Date): Promise<AlertView | undefined>;
  /** Every step of the alert, oldest first, with its actor. */
  abstract history(alertId: string): Promise<readonly AlertHistoryEntry[]>;
}
