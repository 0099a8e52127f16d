import { ValidationError, type Decider, type DomainCommand } from '@varde/core';
import { courseChangeOf, resumeTimes, type EnrolmentChange, type MissedTask } from './enrolment-course';
import { checkOverride } from './rule-set';
import {
  currentOutcome,
  enrolmentStatusOf,
  evolveTriage,
  heldMeasurement,
  initialTriageState,
  type InputRef,
  type PatientTriaged,
  type TimelineEntry,
  type TriageEvent,
  type TriageState,
} from './triage.events';
import {
  codeKey,
  countUpTo,
  effectiveMs,
  ENGINE_VERSION,
  evaluate,
  missingReportsDue,
  NO_REPORTS_REASON,
  reasonTexts,
  type Evaluation,
  type EvaluationContext,
  type OverrideParameter,
  type RuleSet,
  type TriageInput,
} from './triage-rules';

/** Put a newly enrolled patient on the worklist of their care team. */
export type RegisterPatient = DomainCommand<'RegisterPatient', { patientId: string; pathwayId: string; enrolmentId: string; enrolledAt: string; careTeamId?: string; ruleSetId?: string; ruleSetVersion?: number }>;

/** A measurement that no longer counts (entered in error). */
export type Withdrawal = Readonly<{ measurementId: string; eventId: string; reason: string }>;

/**
 * Assess a patient after new, corrected or withdrawn inputs, or at `checkAt` (the scheduled check for
 * missing reports), with the rule set of their pathway.
 */
export type AssessPatient = DomainCommand<
  'AssessPatient',
  { patientId: string; pathwayId: string; ruleSet: RuleSet; inputs: readonly TriageInput[]; withdrawals?: readonly Withdrawal[]; checkAt?: string }
>;

/** Set the patient's own value of one rule parameter, with the clinical reason. */
export type SetRuleOverride = DomainCommand<'SetRuleOverride', { patientId: string; pathwayId: string; ruleSet: RuleSet; ruleId: string; parameter: OverrideParameter; value: number; reason: string }>;

/** Remove the patient's own value of a rule, with the reason. */
export type RemoveRuleOverride = DomainCommand<'RemoveRuleOverride', { patientId: string; pathwayId: string; ruleSet: RuleSet; ruleId: string; reason: string }>;

/**
 * Record what the patient's enrolment did (paused, resumed, discharged, pathway or care team changed) and re-assess
 * them at that moment, with `ruleSet` (for a change of pathway, the new one).
 */
export type RecordEnrolmentChange = DomainCommand<'RecordEnrolmentChange', { patientId: string; pathwayId: string; ruleSet: RuleSet; change: EnrolmentChange }>;

/** Record a task of the patient's schedule that was missed, and re-assess them from its window's end. */
export type RecordMissedTask = DomainCommand<'RecordMissedTask', { patientId: string; pathwayId: string; ruleSet: RuleSet; task: MissedTask }>;

/** Every command of the triage decider. */
export type TriageCommand = RegisterPatient | AssessPatient | SetRuleOverride | RemoveRuleOverride | RecordEnrolmentChange | RecordMissedTask;

/** Commands that change the patient's history and re-evaluate it. */
type ReassessingCommand = AssessPatient | SetRuleOverride | RemoveRuleOverride | RecordEnrolmentChange | RecordMissedTask;

/**
 * Registration only places a patient who has not been seen. Every other command changes what the patient's
 * history holds and then re-evaluates it in effective-time order from the earliest point the change touches:
 * a late or corrected value can change a past colour (recorded as a revision) as well as the current one.
 * PatientTriaged is recorded only where the outcome (colour or reasons) changes.
 */
export function decideTriage(command: TriageCommand, state: TriageState): TriageEvent[] {
  switch (command.type) {
    case 'RegisterPatient': {
      const { patientId, pathwayId, enrolmentId, enrolledAt, careTeamId, ruleSetId, ruleSetVersion } = command.data;
      // A patient assessed before their enrolment arrived is registered late, only so they get their care team and rule set.
      const bringsTeam = careTeamId !== undefined && state.careTeamId === undefined;
      const bringsRuleSet = ruleSetId !== undefined && state.ruleSet === undefined;
      if (state.status !== 'new' && !bringsTeam && !bringsRuleSet) return [];
      const ruleSet = ruleSetId === undefined ? {} : { ruleSetId, ruleSetVersion: ruleSetVersion ?? 0 };
      return [{ type: 'PatientRegisteredForTriage', data: { patientId, pathwayId, enrolmentId, registeredAt: enrolledAt, ...(careTeamId ? { careTeamId } : {}), ...ruleSet } }];
    }
    case 'AssessPatient':
      return assess(command, state);
    case 'SetRuleOverride':
      return setOverride(command, state);
    case 'RemoveRuleOverride':
      return removeOverride(command, state);
    case 'RecordEnrolmentChange':
      return recordEnrolmentChange(command, state);
    case 'RecordMissedTask': {
      const { patientId, task } = command.data;
      if (state.missedTasks?.some((t) => t.taskId === task.taskId)) return [];
      const event: TriageEvent = { type: 'TriageTaskMissed', data: { patientId, task } };
      return [event, ...reassess(command, state, [event], Date.parse(task.windowEnd))];
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

function assess(command: AssessPatient, state: TriageState): TriageEvent[] {
  const { patientId, checkAt } = command.data;
  // One event can carry several inputs (a blood pressure's components, a questionnaire's scores and answers):
  // an input is known by its event and its code.
  const keyOf = (i: TriageInput): string => `${i.eventId}|${codeKey(i.code)}`;
  const added = new Set<string>();
  const changes: TriageEvent[] = [];
  const touched: number[] = [];
  for (const input of command.data.inputs) {
    if (added.has(keyOf(input)) || isHeld(state, input)) continue;
    added.add(keyOf(input));
    changes.push({ type: 'TriageInputRecorded', data: { patientId, input } });
    touched.push(effectiveMs(input));
    // A correction also touches the time of the value it replaces (normally the same effective time).
    const replaced = input.measurementId === undefined ? undefined : heldMeasurement(state, input.measurementId);
    if (replaced) touched.push(effectiveMs(replaced));
  }
  for (const withdrawal of command.data.withdrawals ?? []) {
    const withdrawn = heldMeasurement(state, withdrawal.measurementId);
    if (!withdrawn) continue;
    changes.push({ type: 'TriageInputWithdrawn', data: { patientId, ...withdrawal } });
    touched.push(effectiveMs(withdrawn));
  }
  if (checkAt !== undefined) touched.push(Date.parse(checkAt));
  if (touched.length === 0) return changes;
  return [...changes, ...reassess(command, state, changes, Math.min(...touched))];
}

function setOverride(command: SetRuleOverride, state: TriageState): TriageEvent[] {
  const { patientId, ruleSet, ruleId, parameter, value, reason } = command.data;
  const rule = ruleSet.rules.find((r) => r.id === ruleId);
  if (!rule) throw ValidationError.field('ruleId', `rule set ${ruleSet.id} v${ruleSet.version} has no rule "${ruleId}"`);
  const problem = checkOverride(rule, parameter, value);
  if (problem) throw ValidationError.field('value', problem);
  if (!reason.trim()) throw ValidationError.field('reason', 'required: why this patient needs their own value');
  const held = state.overrides.entries[ruleId];
  if (held && held.parameter === parameter && held.value === value) return [];
  const { actor, now } = command.metadata;
  const event: TriageEvent = { type: 'RuleOverrideSet', data: { patientId, ruleId, parameter, value, reason, setBy: actor.subject, setAt: now, overridesVersion: state.overrides.version + 1 } };
  return [event, ...reassess(command, state, [event], latestPoint(state))];
}

function removeOverride(command: RemoveRuleOverride, state: TriageState): TriageEvent[] {
  const { patientId, ruleId, reason } = command.data;
  if (!state.overrides.entries[ruleId]) return [];
  if (!reason.trim()) throw ValidationError.field('reason', 'required: why the rule set value applies again');
  const { actor, now } = command.metadata;
  const event: TriageEvent = { type: 'RuleOverrideRemoved', data: { patientId, ruleId, reason, removedBy: actor.subject, removedAt: now, overridesVersion: state.overrides.version + 1 } };
  return [event, ...reassess(command, state, [event], latestPoint(state))];
}

function recordEnrolmentChange(command: RecordEnrolmentChange, state: TriageState): TriageEvent[] {
  const { patientId, change } = command.data;
  const step = courseChangeOf(change);
  // A redelivered change (the same status from the same moment) or one that changes nothing is not recorded again.
  if (step && state.course?.some((c) => c.at === step.at && c.status === step.status)) return [];
  if (change.kind === 'care-team-changed' && state.careTeamId === change.careTeamId) return [];
  if (change.kind === 'pathway-changed' && state.pathwayId === change.pathwayId && state.ruleSet?.id === change.ruleSetId && state.ruleSet.version === change.ruleSetVersion) return [];
  const event: TriageEvent = { type: 'TriageEnrolmentChanged', data: { patientId, change } };
  // Only registered patients are assessed: one known only from this event has nothing to show yet.
  if (state.status === 'new') return [event];
  return [event, ...reassess(command, state, [event], Date.parse(change.at))];
}

/** The moment a command asks to be evaluated at besides its inputs: a scheduled check, an enrolment change, a missed task's window end. */
function checkPointOf(command: ReassessingCommand): string | undefined {
  switch (command.type) {
    case 'AssessPatient':
      return command.data.checkAt;
    case 'RecordEnrolmentChange':
      return command.data.change.at;
    case 'RecordMissedTask':
      return command.data.task.windowEnd;
    case 'SetRuleOverride':
    case 'RemoveRuleOverride':
      return undefined;
    default: {
      const _exhaustive: never = command;
      return undefined;
    }
  }
}

/**
 * Re-evaluates at every point from `from` on (each input's effective time, each earlier outcome change, the
 * moments a missing report became due, and the scheduled check) and records each point where the outcome
 * differs from the one in force there.
 */
function reassess(command: ReassessingCommand, before: TriageState, changes: readonly TriageEvent[], from: number): PatientTriaged[] {
  if (!Number.isFinite(from)) return [];
  const state = changes.reduce(evolveTriage, before);
  const { patientId, pathwayId, ruleSet } = command.data;
  const points = pointsFrom(state, ruleSet, from, checkPointOf(command));
  const lastAssessed = latestPoint(before);
  const emitted: PatientTriaged[] = [];
  let revised: TimelineEntry | undefined;
  for (const point of points) {
    const at = new Date(point).toISOString();
    const evaluation = evaluate(evaluationContext(state, ruleSet, at));
    const inForce = revised ?? outcomeAt(state, point);
    if (inForce && sameOutcome(inForce, evaluation)) continue;
    const assessmentId = emitted.length === 0 ? command.metadata.commandId : `${command.metadata.commandId}.${emitted.length}`;
    const previous = inForce && inForce.assessmentId !== '' ? inForce.colour : null;
    const event: PatientTriaged = {
      type: 'PatientTriaged',
      data: {
        assessmentId,
        patientId,
        pathwayId,
        colour: evaluation.colour,
        previousColour: previous,
        reasons: evaluation.reasons,
        colourSince: inForce && inForce.colour === evaluation.colour ? inForce.since : at,
        provenance: {
          inputs: inputRefs(state, evaluation, point),
          ruleSetId: ruleSet.id,
          ruleSetVersion: ruleSet.version,
          ruleSetHash: ruleSet.contentHash,
          engineVersion: ENGINE_VERSION,
          overridesVersion: state.overrides.version,
        },
        assessedAt: command.metadata.now,
        effectiveAt: at,
        revision: point < lastAssessed,
        current: false,
      },
    };
    emitted.push(event);
    revised = { effectiveAt: at, colour: evaluation.colour, reasons: evaluation.reasons, since: event.data.colourSince, assessmentId };
  }
  return markCurrent(emitted, arrivalEnds(changes, lastAssessed));
}

/**
 * The effective times at which the command's inputs, in the order they came, each became the newest reading
 * (the running maximum): a command per input would have ended at each of them.
 */
function arrivalEnds(changes: readonly TriageEvent[], lastAssessed: number): number[] {
  const ends: number[] = [];
  let newest = Number.isNaN(lastAssessed) ? Number.NEGATIVE_INFINITY : lastAssessed;
  for (const change of changes) {
    if (change.type !== 'TriageInputRecorded') continue;
    const at = effectiveMs(change.data.input);
    if (at > newest) ends.push((newest = at));
  }
  return ends;
}

/**
 * Marks as current the outcome in force now (the last emitted) and, for several inputs decided together, the
 * outcome each of them left in force when it became the newest reading: the last emitted at or before each
 * `end` and after the one before. So a batch of readings marks (and alerts on) what one command per reading
 * would have, and a single reading only its last outcome.
 */
function markCurrent(emitted: readonly PatientTriaged[], ends: readonly number[]): PatientTriaged[] {
  const current = new Set<number>();
  if (emitted.length > 0) current.add(emitted.length - 1);
  let next = 0;
  for (const end of ends) {
    let found = -1;
    while (next < emitted.length && Date.parse(emitted[next]!.data.effectiveAt!) <= end) found = next++;
    if (found >= 0) current.add(found);
  }
  return emitted.map((event, i) => (current.has(i) ? { ...event, data: { ...event.data, current: true } } : event));
}

// The points to evaluate at, ascending and distinct, none before `from`. Each code's inputs are sorted and the
// timeline is in effective-time order, so only what lies at or after `from` is visited: an in-order reading
// costs the same whatever the length of the history held.
function pointsFrom(state: TriageState, ruleSet: RuleSet, from: number, checkAt: string | undefined): number[] {
  const points = new Set<number>();
  for (const inputs of Object.values(state.history)) {
    for (let i = countUpTo(inputs, from - 1); i < inputs.length; i++) points.add(effectiveMs(inputs[i]!));
  }
  for (let i = state.timeline.length - 1; i >= 0; i--) {
    const at = Date.parse(state.timeline[i]!.effectiveAt);
    if (at < from) break;
    points.add(at);
  }
  if (checkAt !== undefined) points.add(Date.parse(checkAt));
  const latest = latestPoint(state);
  const to = Math.max(...points, Number.isNaN(latest) ? Number.NEGATIVE_INFINITY : latest);
  for (const due of missingReportsDue(ruleSet, state.history, state.registeredAt, from, to, state.course)) points.add(due);
  // A pause, resume or discharge changes what is missing from its moment on; a missed task from its window's end.
  for (const change of state.course ?? []) if (Date.parse(change.at) >= from) points.add(Date.parse(change.at));
  for (const task of state.missedTasks ?? []) if (Date.parse(task.windowEnd) >= from) points.add(Date.parse(task.windowEnd));
  return [...points].filter((p) => p >= from && Number.isFinite(p)).sort((a, b) => a - b);
}

// The outcome the timeline shows at a point; registration counts as "green, no reports yet".
function outcomeAt(state: TriageState, point: number): TimelineEntry | undefined {
  for (let i = state.timeline.length - 1; i >= 0; i--) {
    const entry = state.timeline[i]!;
    if (Date.parse(entry.effectiveAt) <= point) return entry;
  }
  if (state.registeredAt === undefined) return undefined;
  return { effectiveAt: state.registeredAt, colour: 'green', reasons: [], since: state.registeredAt, assessmentId: '' };
}

/** The newest point the patient was assessed at or has a value at: each code's newest input, or the current outcome. */
function latestPoint(state: TriageState): number {
  let latest = Number.NaN;
  const later = (ms: number): void => {
    if (!(ms <= latest)) latest = ms;
  };
  for (const inputs of Object.values(state.history)) if (inputs.length > 0) later(effectiveMs(inputs[inputs.length - 1]!));
  const current = currentOutcome(state);
  if (current) later(Date.parse(current.effectiveAt));
  return latest;
}

/** Whether the patient's history holds this input (same event, same code): only its code's inputs at its effective time are looked at. */
function isHeld(state: TriageState, input: TriageInput): boolean {
  const inputs = state.history[codeKey(input.code)] ?? [];
  const at = effectiveMs(input);
  for (let i = countUpTo(inputs, at) - 1; i >= 0 && effectiveMs(inputs[i]!) === at; i--) if (inputs[i]!.eventId === input.eventId) return true;
  return false;
}

// The inputs the reasons used, plus the newest value of every code at the point: what an auditor re-checks.
function inputRefs(state: TriageState, evaluation: Evaluation, point: number): InputRef[] {
  const used = new Set(evaluation.reasons.flatMap((r) => r.inputs.map((i) => i.eventId)));
  const refs = new Map<string, InputRef>();
  for (const key of Object.keys(state.history).sort()) {
    const seen = state.history[key]!.filter((i) => effectiveMs(i) <= point);
    const latest = seen[seen.length - 1];
    for (const input of seen) {
      if (input === latest || used.has(input.eventId)) refs.set(input.eventId, { eventId: input.eventId, source: input.source, position: input.position });
    }
  }
  return [...refs.values()];
}

function sameOutcome(entry: TimelineEntry, evaluation: Evaluation): boolean {
  const a = entry.assessmentId === '' ? [NO_REPORTS_REASON] : textsOf(entry.reasons);
  const b = textsOf(evaluation.reasons);
  return entry.colour === evaluation.colour && a.length === b.length && a.every((text, i) => text === b[i]);
}

const textsOf = (reasons: TimelineEntry['reasons']): string[] => [...reasonTexts(reasons)].sort();

/** What an evaluation of the patient at `at` depends on, from their state. */
export function evaluationContext(state: TriageState, ruleSet: RuleSet, at: string): EvaluationContext {
  return { ruleSet, overrides: state.overrides, history: state.history, at, registeredAt: state.registeredAt, course: state.course, missedTasks: state.missedTasks };
}

/** The triage decider. */
export const triageDecider: Decider<TriageCommand, TriageState, TriageEvent> = {
  decide: decideTriage,
  evolve: evolveTriage,
  initialState: initialTriageState,
};

/**
 * When the patient must next be assessed without new data: the earliest moment a missing-report rule
 * becomes due after the latest point assessed. Undefined when no such rule is waiting.
 */
export function nextCheckAt(state: TriageState, ruleSet: RuleSet): string | undefined {
  // Paused or discharged: nothing is missing until the enrolment is active again (that event re-assesses them).
  if (enrolmentStatusOf(state) !== 'active') return undefined;
  const assessed = latestPoint(state);
  const resumed = Math.max(...resumeTimes(state.course), Number.NEGATIVE_INFINITY);
  let next = Number.POSITIVE_INFINITY;
  for (const rule of ruleSet.rules) {
    if (rule.kind !== 'missing') continue;
    const inputs = state.history[codeKey(rule.code)] ?? [];
    const last = inputs[inputs.length - 1];
    const reported = last ? effectiveMs(last) : state.registeredAt === undefined ? Number.NaN : Date.parse(state.registeredAt);
    const since = Number.isNaN(reported) ? reported : Math.max(reported, resumed);
    const due = since + rule.afterMs;
    if (Number.isFinite(due) && !(due <= assessed)) next = Math.min(next, due);
  }
  return Number.isFinite(next) ? new Date(next).toISOString() : undefined;
}
