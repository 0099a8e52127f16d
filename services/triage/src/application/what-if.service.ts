import { Inject, Injectable } from '@nestjs/common';
import { ValidationError, type CommandMetadata } from '@varde/core';
import { AccessLog } from '@varde/platform';
import { MAX_WINDOW_MS, ruleSetFromDocument, type Colour, type RuleSet } from '../domain/rule-set';
import { simulate, type SimulatedOutcome } from '../domain/what-if';
import { TriageHistoryProjection } from './triage-history.port';
import { parseRuleSetOrThrow } from './rule-set.parser';
import { RuleSetRegistry } from './rule-set.registry';

/** The longest period a what-if replays. */
export const MAX_WHAT_IF_DAYS = 366;

/** A what-if request: a candidate rule set text, a pathway and a period of its real history. */
export type WhatIfRequest = Readonly<{ pathwayId: string; candidate: string; from: Date; to: Date; baselineVersion?: number }>;

type Totals = { alerts: number; colourChanges: number; patientsWithAlerts: number; endColours: Record<Colour, number>; onsetsByRule: Record<string, number> };

/** What a candidate rule set would have done compared with the published one; nothing is written. */
export type WhatIfReport = Readonly<{
  pathwayId: string;
  period: Readonly<{ from: string; to: string }>;
  published: Readonly<{ ruleSetId: string; version: number; contentHash: string }>;
  candidate: Readonly<{ ruleSetId: string; contentHash: string }>;
  patients: number;
  evaluations: number;
  totals: Readonly<{ published: Totals; candidate: Totals; difference: Readonly<{ alerts: number; colourChanges: number; patientsWithAlerts: number }> }>;
  /** Patients for whom the candidate differs, most changed alerts first. */
  perPatient: readonly Readonly<{ patientId: string; published: SimulatedOutcome; candidate: SimulatedOutcome }>[];
  durationMs: number;
}>;

/**
 * Replays the published rule set of a pathway and a candidate over the same real history and compares them,
 * per patient and in total. The patients whose history is read are written to the access log.
 */
@Injectable()
export class WhatIfService {
  constructor(
    @Inject(RuleSetRegistry) private readonly ruleSets: RuleSetRegistry,
    @Inject(TriageHistoryProjection) private readonly histories: TriageHistoryProjection,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  async run(request: WhatIfRequest, metadata: CommandMetadata): Promise<WhatIfReport> {
    const started = performance.now();
    const { from, to, pathwayId } = request;
    if (!(to.getTime() > from.getTime())) throw ValidationError.field('to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_WHAT_IF_DAYS * 86_400_000) throw ValidationError.field('to', `the period may be at most ${MAX_WHAT_IF_DAYS} days`);
    const parsed = parseRuleSetOrThrow(request.candidate);
    if (parsed.document.pathway !== pathwayId) throw ValidationError.field('candidate.pathway', `is "${parsed.document.pathway}" but the what-if is for pathway "${pathwayId}"`);
    const candidate = ruleSetFromDocument(parsed.document, 0, parsed.contentHash);
    const published = request.baselineVersion === undefined ? await this.ruleSets.forPathway(pathwayId) : await this.ruleSets.version(parsed.document.id, request.baselineVersion);
    // The window rules look back from the first point, so history before the period is read too.
    const histories = await this.histories.histories(pathwayId, new Date(from.getTime() - MAX_WINDOW_MS), to);
    await this.accessLog.recordReads('triage', histories.map((h) => h.patientId), { purpose: 'what-if', resource: `what-if/${pathwayId}` }, metadata);
    const totals = { published: emptyTotals(), candidate: emptyTotals() };
    const perPatient: WhatIfReport['perPatient'][number][] = [];
    let evaluations = 0;
    for (const history of histories) {
      const run = (ruleSet: RuleSet): SimulatedOutcome => simulate(ruleSet, history.inputs, history.registeredAt, from.getTime(), to.getTime());
      const outcome = { published: run(published.ruleSet), candidate: run(candidate) };
      add(totals.published, outcome.published);
      add(totals.candidate, outcome.candidate);
      evaluations += outcome.published.evaluations + outcome.candidate.evaluations;
      if (outcome.published.alerts !== outcome.candidate.alerts || outcome.published.colourChanges !== outcome.candidate.colourChanges || outcome.published.endColour !== outcome.candidate.endColour) {
        perPatient.push({ patientId: history.patientId, ...outcome });
      }
    }
    perPatient.sort((a, b) => Math.abs(b.candidate.alerts - b.published.alerts) - Math.abs(a.candidate.alerts - a.published.alerts) || a.patientId.localeCompare(b.patientId));
    return {
      pathwayId,
      period: { from: from.toISOString(), to: to.toISOString() },
      published: { ruleSetId: published.ruleSetId, version: published.version, contentHash: published.contentHash },
      candidate: { ruleSetId: parsed.document.id, contentHash: parsed.contentHash },
      patients: histories.length,
      evaluations,
      totals: {
        ...totals,
        difference: {
          alerts: totals.candidate.alerts - totals.published.alerts,
          colourChanges: totals.candidate.colourChanges - totals.published.colourChanges,
          patientsWithAlerts: totals.candidate.patientsWithAlerts - totals.published.patientsWithAlerts,
        },
      },
      perPatient,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

const emptyTotals = (): Totals => ({ alerts: 0, colourChanges: 0, patientsWithAlerts: 0, endColours: { green: 0, yellow: 0, red: 0 }, onsetsByRule: {} });

function add(totals: Totals, outcome: SimulatedOutcome): void {
  totals.alerts += outcome.alerts;
  totals.colourChanges += outcome.colourChanges;
  if (outcome.alerts > 0) totals.patientsWithAlerts++;
  totals.endColours[outcome.endColour]++;
  for (const [ruleId, n] of Object.entries(outcome.onsetsByRule)) totals.onsetsByRule[ruleId] = (totals.onsetsByRule[ruleId] ?? 0) + n;
}
