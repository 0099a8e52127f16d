import { COLOUR_RANK, effectiveMs, evaluate, historyByCode, missingReportsDue, NO_OVERRIDES, type Colour, type TriageInput } from './triage-rules';
import type { RuleSet } from './rule-set';

/** What one rule set would have done for one patient over a period. */
export type SimulatedOutcome = Readonly<{
  /** Moves to a more urgent colour: what raises an alert and pages a clinician. */
  alerts: number;
  /** Every change of colour. */
  colourChanges: number;
  /** Colour at the start of the period (from the history before it). */
  startColour: Colour;
  /** Colour at the end of the period. */
  endColour: Colour;
  /** Points (inputs and missing-report moments) evaluated. */
  evaluations: number;
  /** How often each rule started to hold. */
  onsetsByRule: Readonly<Record<string, number>>;
}>;

/**
 * Replays a rule set over one patient's history, evaluating at every input and missing-report moment in
 * [from, to] exactly as assessments do (without per-patient overrides: a candidate may rename rules). Pure:
 * the same history and rule set always give the same outcome.
 */
export function simulate(ruleSet: RuleSet, inputs: readonly TriageInput[], registeredAt: string | undefined, from: number, to: number): SimulatedOutcome {
  const history = historyByCode(inputs);
  const points = new Set<number>();
  for (const input of inputs) {
    const t = effectiveMs(input);
    if (t > from && t <= to) points.add(t);
  }
  for (const due of missingReportsDue(ruleSet, history, registeredAt, from + 1, to)) points.add(due);
  const context = { ruleSet, overrides: NO_OVERRIDES, history, registeredAt };
  const start = evaluate({ ...context, at: new Date(from).toISOString() });
  let colour = start.colour;
  let holding = new Set(start.reasons.map((r) => r.ruleId));
  let alerts = 0;
  let colourChanges = 0;
  const onsetsByRule: Record<string, number> = {};
  const ordered = [...points].sort((a, b) => a - b);
  for (const point of ordered) {
    const evaluation = evaluate({ ...context, at: new Date(point).toISOString() });
    if (evaluation.colour !== colour) {
      colourChanges++;
      if (COLOUR_RANK[evaluation.colour] > COLOUR_RANK[colour]) alerts++;
      colour = evaluation.colour;
    }
    const now = new Set(evaluation.reasons.map((r) => r.ruleId));
    for (const ruleId of now) if (!holding.has(ruleId)) onsetsByRule[ruleId] = (onsetsByRule[ruleId] ?? 0) + 1;
    holding = now;
  }
  return { alerts, colourChanges, startColour: start.colour, endColour: colour, evaluations: ordered.length, onsetsByRule };
}
