import type { OnModuleDestroy } from '@nestjs/common';
import { colourFromProto, type pathwaysV1Service } from '@varde/contracts';
import { NotFoundError, ValidationError } from '@varde/core';
import type { ActiveEnrolmentAnswer, PathwaysEnrolments } from '@varde/platform';
import { ActiveEnrolments, type ActiveEnrolment } from '../application/active-enrolments.port';
import type { TriageRule } from '../domain/triage-rules';

const operators: ReadonlySet<string> = new Set(['lt', 'le', 'gt', 'ge']);

/** {@link ActiveEnrolments} over pathways' gRPC `GetActiveEnrolment`; no enrolment becomes NotFoundError. */
export class PathwaysActiveEnrolments extends ActiveEnrolments implements OnModuleDestroy {
  constructor(private readonly pathways: PathwaysEnrolments) {
    super();
  }

  override async get(patientId: string): Promise<ActiveEnrolment> {
    const enrolment = await this.pathways.active(patientId);
    if (!enrolment) throw new NotFoundError(`Patient ${patientId} has no active enrolment`);
    return toActiveEnrolment(enrolment);
  }

  onModuleDestroy(): void {
    this.pathways.close();
  }
}

function toActiveEnrolment(enrolment: ActiveEnrolmentAnswer): ActiveEnrolment {
  const ruleSet = enrolment.ruleSet;
  if (!ruleSet) throw ValidationError.field('enrolment.rule_set', 'pathways answered without a rule set');
  return {
    pathwayId: enrolment.pathwayId,
    ruleSet: { id: ruleSet.id, version: ruleSet.version, contentHash: ruleSet.contentHash, rules: ruleSet.rules.map(toRule) },
  };
}

// A rule triage cannot apply must stop the assessment (dead letter with the reason), never be skipped.
function toRule(rule: pathwaysV1Service.ThresholdRule, index: number): TriageRule {
  const colour = colourFromProto(rule.colour);
  if (!colour) throw ValidationError.field(`rule_set.rules[${index}].colour`, `unsupported colour ${rule.colour}`);
  if (!operators.has(rule.operator)) throw ValidationError.field(`rule_set.rules[${index}].operator`, `unsupported operator "${rule.operator}"`);
  if (!rule.code) throw ValidationError.field(`rule_set.rules[${index}].code`, 'required');
  return {
    id: rule.id,
    code: { system: rule.code.system, code: rule.code.code },
    operator: rule.operator as TriageRule['operator'],
    threshold: rule.threshold,
    unit: rule.unit,
    colour,
    reasonTemplate: rule.reasonTemplate,
  };
}
