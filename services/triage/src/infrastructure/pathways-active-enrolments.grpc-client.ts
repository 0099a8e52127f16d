import type { OnModuleDestroy } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@varde/core';
import type { PathwaysEnrolments } from '@varde/platform';
import { ActiveEnrolments, type ActiveEnrolment } from '../application/active-enrolments.port';

/** {@link ActiveEnrolments} over pathways' gRPC `GetActiveEnrolment`; no enrolment becomes NotFoundError. */
export class PathwaysActiveEnrolments extends ActiveEnrolments implements OnModuleDestroy {
  constructor(private readonly pathways: PathwaysEnrolments) {
    super();
  }

  override async get(patientId: string): Promise<ActiveEnrolment> {
    const enrolment = await this.pathways.active(patientId);
    if (!enrolment) throw new NotFoundError(`Patient ${patientId} has no active enrolment`);
    // An enrolment triage cannot triage must stop the assessment (dead letter with the reason), never be skipped.
    if (!enrolment.ruleSet?.id) throw ValidationError.field('enrolment.rule_set.id', 'pathways answered without a rule set');
    return { pathwayId: enrolment.pathwayId, ruleSetId: enrolment.ruleSet.id, ruleSetVersion: enrolment.ruleSet.version };
  }

  onModuleDestroy(): void {
    this.pathways.close();
  }
}
