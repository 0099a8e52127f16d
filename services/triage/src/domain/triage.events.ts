import type { DomainEvent } from '@varde/core';
import { codeKey, type Colour, type Reason, type TriageInput } from './triage-rules';

/** An enrolled patient was put on the worklist before reporting anything. */
export type PatientRegisteredForTriage = DomainEvent<
  'PatientRegisteredForTriage',
  { patientId: string; pathwayId: string; enrolmentId: string; registeredAt: string }
>;

/**
 * A reported value became the latest of its code. Recorded even when the outcome does not change: the next
 * assessment must compare against it (and refuse older values), or a late report could wrongly win.
 */
export type TriageInputRecorded = DomainEvent<'TriageInputRecorded', { patientId: string; input: TriageInput }>;

/** Reference to one input by event id and log position. */
export type InputRef = Readonly<{ eventId: string; source: string; position: string }>;

/** Everything an auditor needs to re-run an assessment and get the same answer. */
export type AssessmentProvenance = Readonly<{
  inputs: readonly InputRef[];
  ruleSetId: string;
  ruleSetVersion: number;
  ruleSetHash: string;
  engineVersion: string;
}>;

/** The patient's triage outcome changed (colour or reasons). */
export type PatientTriaged = DomainEvent<
  'PatientTriaged',
  {
    assessmentId: string;
    patientId: string;
    pathwayId: string;
    colour: Colour;
    /** Null for the patient's first assessment. */
    previousColour: Colour | null;
    reasons: readonly Reason[];
    /** When the current colour started: kept while the colour stays, so the longest-waiting are seen first. */
    colourSince: string;
    provenance: AssessmentProvenance;
    assessedAt: string;
  }
>;

/** Every event of a patient's triage stream. */
export type TriageEvent = PatientRegisteredForTriage | TriageInputRecorded | PatientTriaged;

/** The latest input of each code, by {@link codeKey}. */
export type LatestInputs = Readonly<Record<string, TriageInput>>;

/** A patient's triage, folded from its events. */
export type TriageState =
  | { status: 'new'; inputs: LatestInputs }
  | { status: 'awaiting-reports'; patientId: string; pathwayId: string; since: string; inputs: LatestInputs }
  | { status: 'triaged'; patientId: string; pathwayId: string; colour: Colour; reasons: readonly Reason[]; since: string; inputs: LatestInputs };

/** The state before any event. */
export const initialTriageState = (): TriageState => ({ status: 'new', inputs: {} });

/** Applies one event to the state. */
export function evolveTriage(state: TriageState, event: TriageEvent): TriageState {
  switch (event.type) {
    case 'PatientRegisteredForTriage': {
      if (state.status !== 'new') return state;
      const { patientId, pathwayId, registeredAt } = event.data;
      return { status: 'awaiting-reports', patientId, pathwayId, since: registeredAt, inputs: state.inputs };
    }
    case 'TriageInputRecorded':
      return { ...state, inputs: { ...state.inputs, [codeKey(event.data.input.code)]: event.data.input } };
    case 'PatientTriaged': {
      const { patientId, pathwayId, colour, reasons, colourSince } = event.data;
      return { status: 'triaged', patientId, pathwayId, colour, reasons, since: colourSince, inputs: state.inputs };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The one name of a patient's triage stream. */
export const triageStreamId = (patientId: string): string => `triage-${patientId}`;
