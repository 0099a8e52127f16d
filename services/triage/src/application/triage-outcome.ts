import type { TriageEvent, TriageState } from '../domain/triage.events';
import type { PositionedEvent } from './positioned-event';

/** A triage event with its position in the patient's stream (projections use it to ignore stale updates). */
export type PositionedTriageEvent = PositionedEvent<TriageEvent>;

/** What a triage command wrote, the patient's state after it, and when they must next be checked for missing reports. */
export type TriageOutcome = Readonly<{ patientId: string; events: readonly PositionedTriageEvent[]; state: TriageState; nextCheckAt: string | undefined }>;
