import type { Decider, DomainCommand } from '@varde/core';
import { evolveTriage, initialTriageState, type PatientTriaged, type TriageEvent, type TriageInputRecorded, type TriageState } from './triage.events';
import { codeKey, ENGINE_VERSION, evaluate, type RuleSet, type TriageInput } from './triage-rules';

/** Put a newly enrolled patient on the worklist. */
export type RegisterPatient = DomainCommand<'RegisterPatient', { patientId: string; pathwayId: string; enrolmentId: string; enrolledAt: string }>;

/** Assess a patient after new inputs, with the rule set of their active enrolment. */
export type AssessPatient = DomainCommand<'AssessPatient', { patientId: string; pathwayId: string; ruleSet: RuleSet; inputs: readonly TriageInput[] }>;

/** Every command of the triage decider. */
export type TriageCommand = RegisterPatient | AssessPatient;

/**
 * Registration only places a patient who has not been seen; a patient already assessed keeps their colour.
 * An assessment keeps the newest input per code (an older one never replaces it) and records PatientTriaged
 * only when the colour or the set of reasons changes, so the worklist and subscribers see changes, not noise.
 */
export function decideTriage(command: TriageCommand, state: TriageState): TriageEvent[] {
  switch (command.type) {
    case 'RegisterPatient': {
      if (state.status !== 'new') return [];
      const { patientId, pathwayId, enrolmentId, enrolledAt } = command.data;
      return [{ type: 'PatientRegisteredForTriage', data: { patientId, pathwayId, enrolmentId, registeredAt: enrolledAt } }];
    }
    case 'AssessPatient':
      return assess(command, state);
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

function assess(command: AssessPatient, state: TriageState): TriageEvent[] {
  const { patientId, pathwayId, ruleSet } = command.data;
  const latest: Record<string, TriageInput> = { ...state.inputs };
  const recorded: TriageInputRecorded[] = [];
  for (const input of command.data.inputs) {
    const held = latest[codeKey(input.code)];
    if (held && Date.parse(held.effectiveTime) >= Date.parse(input.effectiveTime)) continue;
    latest[codeKey(input.code)] = input;
    recorded.push({ type: 'TriageInputRecorded', data: { patientId, input } });
  }
  const { colour, reasons } = evaluate(ruleSet, latest);
  const unchanged = state.status === 'triaged' && state.colour === colour && sameTexts(state.reasons.map((r) => r.text), reasons.map((r) => r.text));
  if (unchanged) return recorded;
  const now = command.metadata.now;
  // An awaiting patient is shown green, so a first green assessment keeps the registration's "since".
  const keepsColour = (state.status === 'triaged' && state.colour === colour) || (state.status === 'awaiting-reports' && colour === 'green');
  const triaged: PatientTriaged = {
    type: 'PatientTriaged',
    data: {
      assessmentId: command.metadata.commandId,
      patientId,
      pathwayId,
      colour,
      previousColour: state.status === 'triaged' ? state.colour : null,
      reasons,
      colourSince: state.status !== 'new' && keepsColour ? state.since : now,
      provenance: {
        inputs: Object.keys(latest)
          .sort()
          .map((key) => latest[key]!)
          .map(({ eventId, source, position }) => ({ eventId, source, position })),
        ruleSetId: ruleSet.id,
        ruleSetVersion: ruleSet.version,
        ruleSetHash: ruleSet.contentHash,
        engineVersion: ENGINE_VERSION,
      },
      assessedAt: now,
    },
  };
  return [...recorded, triaged];
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((text, i) => text === sortedB[i]);
}

/** The triage decider. */
export const triageDecider: Decider<TriageCommand, TriageState, TriageEvent> = {
  decide: decideTriage,
  evolve: evolveTriage,
  initialState: initialTriageState,
};
