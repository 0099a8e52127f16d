import type { DomainEvent } from '@varde/core';
import { courseChangeOf, withCourseChange, type CourseChange, type EnrolmentChange, type MissedTask } from './enrolment-course';
import { MAX_WINDOW_MS } from './rule-set';
import { byEffectiveTime, codeKey, effectiveMs, NO_OVERRIDES, type Colour, type InputHistory, type OverrideParameter, type Reason, type RuleOverrides, type TriageInput } from './triage-rules';

/**
 * An enrolled patient was put on the worklist of their care team (absent in events from before care teams) before
 * reporting anything, with the rule set their enrolment names (version 0: the latest published; absent in events
 * from before triage kept it).
 */
export type PatientRegisteredForTriage = DomainEvent<
  'PatientRegisteredForTriage',
  { patientId: string; pathwayId: string; enrolmentId: string; registeredAt: string; careTeamId?: string; ruleSetId?: string; ruleSetVersion?: number }
>;

/** The rule set an enrolment names: a pinned version, or 0 for the latest published. */
export type EnrolledRuleSet = Readonly<{ id: string; version: number }>;

/**
 * A reported value joined the patient's history (a correction of a measurement replaces its earlier value).
 * Recorded even when the outcome does not change: later assessments, replays and what-ifs need it.
 */
export type TriageInputRecorded = DomainEvent<'TriageInputRecorded', { patientId: string; input: TriageInput }>;

/** A measurement was marked entered-in-error: its value no longer counts. */
export type TriageInputWithdrawn = DomainEvent<'TriageInputWithdrawn', { patientId: string; measurementId: string; eventId: string; reason: string }>;

/** A clinician set the patient's own value for a rule parameter (a new version of the patient's overrides). */
export type RuleOverrideSet = DomainEvent<
  'RuleOverrideSet',
  { patientId: string; ruleId: string; parameter: OverrideParameter; value: number; reason: string; setBy: string; setAt: string; overridesVersion: number }
>;

/** A clinician removed an override; the rule set's own value applies again (a new version of the overrides). */
export type RuleOverrideRemoved = DomainEvent<'RuleOverrideRemoved', { patientId: string; ruleId: string; reason: string; removedBy: string; removedAt: string; overridesVersion: number }>;

/**
 * The patient's enrolment changed (pathways' events): paused, resumed, discharged — no report is missing while
 * paused or discharged — or moved to another pathway (the rule set that triages them from now on) or care team.
 */
export type TriageEnrolmentChanged = DomainEvent<'TriageEnrolmentChanged', { patientId: string; change: EnrolmentChange }>;

/** A task of the patient's schedule was missed (pathways' TaskMissed): the missing-report rule of its code holds from its window's end. */
export type TriageTaskMissed = DomainEvent<'TriageTaskMissed', { patientId: string; task: MissedTask }>;

/** Reference to one input by event id and log position. */
export type InputRef = Readonly<{ eventId: string; source: string; position: string }>;

/** Everything an auditor needs to re-run an assessment and get the same answer. */
export type AssessmentProvenance = Readonly<{
  inputs: readonly InputRef[];
  ruleSetId: string;
  ruleSetVersion: number;
  ruleSetHash: string;
  engineVersion: string;
  /** Version of the patient's rule overrides applied (0: none). */
  overridesVersion?: number;
}>;

/** The patient's triage outcome changed (colour or reasons) at a point in effective time. */
export type PatientTriaged = DomainEvent<
  'PatientTriaged',
  {
    assessmentId: string;
    patientId: string;
    pathwayId: string;
    colour: Colour;
    /** The colour in force just before `effectiveAt`; null for the patient's first assessment. */
    previousColour: Colour | null;
    reasons: readonly Reason[];
    /** When the current colour started: kept while the colour stays, so the longest-waiting are seen first. */
    colourSince: string;
    provenance: AssessmentProvenance;
    assessedAt: string;
    /** The point in effective time evaluated: the input (or check) that changed the outcome. */
    effectiveAt?: string;
    /** True when late or corrected data changed the outcome at a point before the latest one already assessed. */
    revision?: boolean;
    /** True for the outcome in force now (the last of an assessment); false for a revised past point. */
    current?: boolean;
  }
>;

/** Every event of a patient's triage stream. */
export type TriageEvent =
  | PatientRegisteredForTriage
  | TriageInputRecorded
  | TriageInputWithdrawn
  | RuleOverrideSet
  | RuleOverrideRemoved
  | PatientTriaged
  | TriageEnrolmentChanged
  | TriageTaskMissed;

/** One change of outcome on the patient's timeline. */
export type TimelineEntry = Readonly<{ effectiveAt: string; colour: Colour; reasons: readonly Reason[]; since: string; assessmentId: string }>;

/**
 * Which inputs joined a patient's history, so that folding an input finds what it replaces (and deciding finds a
 * corrected measurement) without searching every input held: each code's event and measurement ids, with the number
 * of inputs that had joined before each id first did. A state `joined` inputs in counts an id as possibly held only
 * when it first joined before that. So one index serves a state and every state derived from it — deciding folds a
 * command's inputs into the state it decided on, and the command handler folds the same events into that state
 * again — and is only ever added to: it may name an id the history no longer holds (replaced, withdrawn, out of the
 * window; the exact search then runs), never miss one it holds.
 */
export type InputIndex = Readonly<{ joined: number; firstJoined: Map<string, number> }>;

type TriageCommon = Readonly<{
  /** The care team whose clinicians see the patient (from the enrolment); absent for registrations before care teams. */
  careTeamId?: string;
  /** The rule set the enrolment names; absent until triage has the enrolment, and for registrations before triage kept it. */
  ruleSet?: EnrolledRuleSet;
  /** Inputs per code, oldest first; older than {@link MAX_WINDOW_MS} before the newest of their code are dropped. */
  history: InputHistory;
  /** The ids of the inputs that joined `history` (see {@link InputIndex}). */
  inputIndex: InputIndex;
  /** Outcome changes in effective-time order; the last is the outcome in force now. */
  timeline: readonly TimelineEntry[];
  overrides: RuleOverrides;
  /** The enrolment's pauses, resumes and discharge, in time order (absent: active all along). */
  course?: readonly CourseChange[];
  /** Tasks missed, oldest window end first (absent: none). */
  missedTasks?: readonly MissedTask[];
}>;

/**
 * A patient's triage, folded from its events: `new` before anything is known of them but what reports (or
 * overrides) arrived ahead of their enrolment, `awaiting-reports` once registered from the enrolment and before
 * any assessment, `triaged` once assessed (registered before, or not yet when their reports overtook the enrolment).
 */
export type TriageState =
  | (TriageCommon & Readonly<{ status: 'new'; patientId?: undefined; pathwayId?: undefined; registeredAt?: undefined }>)
  | (TriageCommon & Readonly<{ status: 'awaiting-reports'; patientId: string; pathwayId: string; registeredAt: string }>)
  | (TriageCommon & Readonly<{ status: 'triaged'; patientId: string; pathwayId: string; registeredAt?: string }>);

/** The state before any event. */
export const initialTriageState = (): TriageState => ({ status: 'new', history: {}, inputIndex: { joined: 0, firstJoined: new Map() }, timeline: [], overrides: NO_OVERRIDES });

/** The outcome in force now, if the patient was ever assessed. */
export const currentOutcome = (state: TriageState): TimelineEntry | undefined => state.timeline[state.timeline.length - 1];

/** Applies one event to the state. */
export function evolveTriage(state: TriageState, event: TriageEvent): TriageState {
  switch (event.type) {
    case 'PatientRegisteredForTriage': {
      const { patientId, pathwayId, registeredAt, careTeamId, ruleSetId, ruleSetVersion } = event.data;
      const known = { ...(careTeamId === undefined ? {} : { careTeamId }), ...(ruleSetId === undefined ? {} : { ruleSet: { id: ruleSetId, version: ruleSetVersion ?? 0 } }) };
      // Registered after an early assessment (the enrolment arrived after a report): only the care team and rule set are new.
      if (state.status !== 'new') return { ...state, ...known };
      return { ...state, status: 'awaiting-reports', patientId, pathwayId, registeredAt, ...known };
    }
    case 'TriageInputRecorded':
      return { ...state, ...withInput(state, event.data.input) };
    case 'TriageInputWithdrawn': {
      const { measurementId } = event.data;
      const history = Object.fromEntries(Object.entries(state.history).map(([key, inputs]) => [key, inputs.filter((i) => i.measurementId !== measurementId)]));
      return { ...state, history };
    }
    case 'RuleOverrideSet': {
      const { ruleId, parameter, value, reason, setBy, setAt, overridesVersion } = event.data;
      return { ...state, overrides: { version: overridesVersion, entries: { ...state.overrides.entries, [ruleId]: { ruleId, parameter, value, reason, setBy, setAt } } } };
    }
    case 'RuleOverrideRemoved': {
      const { [event.data.ruleId]: _removed, ...entries } = state.overrides.entries;
      return { ...state, overrides: { version: event.data.overridesVersion, entries } };
    }
    case 'TriageEnrolmentChanged': {
      const { change } = event.data;
      if (change.kind === 'pathway-changed') {
        const ruleSet = { id: change.ruleSetId, version: change.ruleSetVersion };
        return state.status === 'new' ? { ...state, ruleSet } : { ...state, pathwayId: change.pathwayId, ruleSet };
      }
      if (change.kind === 'care-team-changed') return { ...state, careTeamId: change.careTeamId };
      const step = courseChangeOf(change);
      return step ? { ...state, course: withCourseChange(state.course ?? [], step) } : state;
    }
    case 'TriageTaskMissed':
      return { ...state, missedTasks: [...(state.missedTasks ?? []), event.data.task].sort((a, b) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd)) };
    case 'PatientTriaged': {
      const { patientId, pathwayId, colour, reasons, colourSince, assessedAt, assessmentId } = event.data;
      const effectiveAt = event.data.effectiveAt ?? assessedAt;
      // A revision supersedes what the timeline said from its point on; the assessment records every later change itself.
      const kept = state.timeline.filter((e) => Date.parse(e.effectiveAt) < Date.parse(effectiveAt));
      return { ...state, status: 'triaged', patientId, pathwayId, timeline: [...kept, { effectiveAt, colour, reasons, since: colourSince, assessmentId }] };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

// Inserted in effective-time order; a value of the same measurement (a correction) replaces the earlier one.
function withInput({ history, inputIndex }: TriageState, input: TriageInput): Pick<TriageState, 'history' | 'inputIndex'> {
  const key = codeKey(input.code);
  const held = history[key] ?? [];
  const replaces = (i: TriageInput): boolean => i.eventId === input.eventId || (input.measurementId !== undefined && i.measurementId === input.measurementId);
  const mayReplace = mayHold(inputIndex, eventIdKey(key, input.eventId)) || (input.measurementId !== undefined && mayHold(inputIndex, measurementIdKey(key, input.measurementId)));
  const last = held[held.length - 1];
  // The common case, a value newer than every one held and replacing none, appends: loading a stream of n
  // inputs stays O(n) copies instead of a sort (or a search for what it replaces) per event.
  const inputs = last && byEffectiveTime(last, input) < 0 && !(mayReplace && held.some(replaces)) ? [...held, input] : [...held.filter((i) => !replaces(i)), input].sort(byEffectiveTime);
  const oldestKept = effectiveMs(inputs[inputs.length - 1]!) - MAX_WINDOW_MS;
  let first = 0;
  while (first < inputs.length - 1 && effectiveMs(inputs[first]!) < oldestKept) first++;
  return { history: { ...history, [key]: first === 0 ? inputs : inputs.slice(first) }, inputIndex: joining(inputIndex, key, input) };
}

const eventIdKey = (key: string, eventId: string): string => `${key} e:${eventId}`;
const measurementIdKey = (key: string, measurementId: string): string => `${key} m:${measurementId}`;

/** Whether a state with this index may hold the id (of one code): false only when it certainly does not. */
const mayHold = (index: InputIndex, id: string): boolean => (index.firstJoined.get(id) ?? Number.POSITIVE_INFINITY) < index.joined;

/** The index once `input` (of code `key`) has joined: an id keeps the count at which it first joined. */
function joining(index: InputIndex, key: string, input: TriageInput): InputIndex {
  const { joined, firstJoined } = index;
  for (const id of input.measurementId === undefined ? [eventIdKey(key, input.eventId)] : [eventIdKey(key, input.eventId), measurementIdKey(key, input.measurementId)]) {
    if (!firstJoined.has(id)) firstJoined.set(id, joined);
  }
  return { joined: joined + 1, firstJoined };
}

/** The input of a measurement the patient's history holds, if any (the value a correction replaces). */
export function heldMeasurement(state: TriageState, measurementId: string): TriageInput | undefined {
  for (const [key, inputs] of Object.entries(state.history)) {
    if (!mayHold(state.inputIndex, measurementIdKey(key, measurementId))) continue;
    const found = inputs.find((i) => i.measurementId === measurementId);
    if (found) return found;
  }
  return undefined;
}

/** Where the patient's enrolment stands now, as triage heard it: active, paused or discharged. */
export const enrolmentStatusOf = (state: TriageState): CourseChange['status'] => state.course?.at(-1)?.status ?? 'active';

/** The one name of a patient's triage stream. */
export const triageStreamId = (patientId: string): string => `triage-${patientId}`;
