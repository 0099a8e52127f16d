import { Inject, Injectable } from '@nestjs/common';
import { canonicalJson, NotFoundError, type CommandMetadata } from '@varde/core';
import { AccessLog } from '@varde/platform';
import type { Colour } from '../domain/rule-set';
import { evolveTriage, initialTriageState, type PatientTriaged, type TriageEvent } from '../domain/triage.events';
import { evaluationContext } from '../domain/triage.decide';
import { ENGINE_VERSION, evaluate } from '../domain/triage-rules';
import { RuleSetRegistry } from './rule-set.registry';
import { TriageHandler } from './triage.handler';

/** The answer to "would this decision be made again from what it was made from?". */
export type Verification = Readonly<{
  verified: boolean;
  assessmentId: string;
  patientId: string;
  effectiveAt: string;
  assessedAt: string;
  ruleSet: Readonly<{ id: string; version: number; recordedHash: string; publishedHash: string; hashMatches: boolean }>;
  engine: Readonly<{ recorded: string; current: string }>;
  overridesVersion: Readonly<{ recorded: number; replayed: number }>;
  inputs: Readonly<{ recorded: number; found: number; missing: readonly string[] }>;
  recorded: Readonly<{ colour: Colour; reasons: readonly string[] }>;
  replayed: Readonly<{ colour: Colour; reasons: readonly string[] }>;
  differences: readonly string[];
}>;

/**
 * Re-runs a recorded decision: the patient's triage stream up to the decision gives the inputs and overrides
 * it was made from, the recorded rule set version (checked against its hash) the rules, and the recorded
 * point in effective time the moment. The result must equal the recorded colour and reasons.
 */
@Injectable()
export class AssessmentVerifier {
  constructor(
    @Inject(TriageHandler) private readonly triage: TriageHandler,
    @Inject(RuleSetRegistry) private readonly ruleSets: RuleSetRegistry,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  async verify(patientId: string, assessmentId: string, metadata: CommandMetadata, reason?: string): Promise<Verification> {
    const events = (await this.triage.history(patientId)) as readonly TriageEvent[];
    const index = events.findIndex((e) => e.type === 'PatientTriaged' && e.data.assessmentId === assessmentId);
    if (index < 0) throw new NotFoundError(`Patient ${patientId} has no assessment ${assessmentId}`);
    const decision = (events[index] as PatientTriaged).data;
    const state = events.slice(0, index).reduce(evolveTriage, initialTriageState());
    const { provenance } = decision;
    const published = await this.ruleSets.version(provenance.ruleSetId, provenance.ruleSetVersion);
    const at = decision.effectiveAt ?? decision.assessedAt;
    const replay = evaluate(evaluationContext(state, published.ruleSet, at));
    const held = new Set(Object.values(state.history).flatMap((inputs) => inputs.map((i) => i.eventId)));
    const missing = provenance.inputs.map((i) => i.eventId).filter((id) => !held.has(id));
    const differences: string[] = [];
    if (published.contentHash !== provenance.ruleSetHash) differences.push(`rule set ${provenance.ruleSetId} v${provenance.ruleSetVersion} hashes to ${published.contentHash}, the decision recorded ${provenance.ruleSetHash}`);
    if ((provenance.overridesVersion ?? 0) !== state.overrides.version) differences.push(`overrides version ${state.overrides.version} replayed, ${provenance.overridesVersion ?? 0} recorded`);
    if (missing.length > 0) differences.push(`${missing.length} recorded input(s) are not in the patient's history`);
    if (replay.colour !== decision.colour) differences.push(`colour ${replay.colour} replayed, ${decision.colour} recorded`);
    if (canonicalJson(replay.reasons) !== canonicalJson(decision.reasons)) differences.push('the reasons differ (rules, values, inputs or texts)');
    await this.accessLog.recordReads('triage', [patientId], { purpose: 'verify-assessment', resource: `triage/${patientId}/assessments/${assessmentId}`, ...(reason ? { reason } : {}) }, metadata);
    return {
      verified: differences.length === 0,
      assessmentId,
      patientId,
      effectiveAt: at,
      assessedAt: decision.assessedAt,
      ruleSet: { id: provenance.ruleSetId, version: provenance.ruleSetVersion, recordedHash: provenance.ruleSetHash, publishedHash: published.contentHash, hashMatches: published.contentHash === provenance.ruleSetHash },
      engine: { recorded: provenance.engineVersion, current: ENGINE_VERSION },
      overridesVersion: { recorded: provenance.overridesVersion ?? 0, replayed: state.overrides.version },
      inputs: { recorded: provenance.inputs.length, found: provenance.inputs.length - missing.length, missing },
      recorded: { colour: decision.colour, reasons: decision.reasons.map((r) => r.text) },
      replayed: { colour: replay.colour, reasons: replay.reasons.map((r) => r.text) },
      differences,
    };
  }
}
