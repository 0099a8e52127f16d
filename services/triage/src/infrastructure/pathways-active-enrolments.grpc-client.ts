import type { OnModuleDestroy } from '@nestjs/common';
import { commonV1, pathwaysV1Service } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import { callGrpc, createGrpcClient, type GrpcClient } from '@varde/platform';
import { ActiveEnrolments, type ActiveEnrolment } from '../application/active-enrolments.port';
import type { Colour, TriageRule } from '../domain/triage-rules';

const colours: Readonly<Partial<Record<commonV1.Colour, Colour>>> = {
  [commonV1.Colour.COLOUR_GREEN]: 'green',
  [commonV1.Colour.COLOUR_YELLOW]: 'yellow',
  [commonV1.Colour.COLOUR_RED]: 'red',
};
const operators: ReadonlySet<string> = new Set(['lt', 'le', 'gt', 'ge']);

// Every measurement asks; a few seconds of caching spares pathways without delaying a rule set change much.
const CACHE_MS = 5_000;

/** {@link ActiveEnrolments} over pathways' gRPC `GetActiveEnrolment`; NOT_FOUND becomes NotFoundError. */
export class PathwaysActiveEnrolments extends ActiveEnrolments implements OnModuleDestroy {
  private readonly client: GrpcClient;
  private readonly service: pathwaysV1Service.PathwaysServiceClient;
  private readonly cache = new Map<string, { value: ActiveEnrolment; until: number }>();

  constructor(url: string) {
    super();
    this.client = createGrpcClient('pathways', url);
    this.service = this.client.service<pathwaysV1Service.PathwaysServiceClient>('PathwaysService');
  }

  override async get(patientId: string): Promise<ActiveEnrolment> {
    const cached = this.cache.get(patientId);
    if (cached && cached.until > Date.now()) return cached.value;
    const response = await callGrpc(this.service.getActiveEnrolment({ patientId }), 'pathways.GetActiveEnrolment');
    const value = toActiveEnrolment(response);
    this.cache.set(patientId, { value, until: Date.now() + CACHE_MS });
    return value;
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}

function toActiveEnrolment(response: pathwaysV1Service.GetActiveEnrolmentResponse): ActiveEnrolment {
  const enrolment = response.enrolment;
  const ruleSet = enrolment?.ruleSet;
  if (!enrolment || !ruleSet) throw ValidationError.field('enrolment.rule_set', 'pathways answered without a rule set');
  return {
    pathwayId: enrolment.pathwayId,
    ruleSet: { id: ruleSet.id, version: ruleSet.version, contentHash: ruleSet.contentHash, rules: ruleSet.rules.map(toRule) },
  };
}

// A rule triage cannot apply must stop the assessment (dead letter with the reason), never be skipped.
function toRule(rule: pathwaysV1Service.ThresholdRule, index: number): TriageRule {
  const colour = colours[rule.colour];
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
