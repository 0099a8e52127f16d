import { Inject, Injectable } from '@nestjs/common';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { PatientStatuses } from './patient-statuses.port';

/** Keeps the patient_status read model up to date from triage's PatientTriaged events. */
@Injectable()
export class PatientTriagedConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(PatientStatuses) private readonly patientStatus: PatientStatuses,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'patient-status',
      topics: ['varde.triage.v1'],
      handlers: { 'varde.triage.v1.PatientTriaged': (event, _message, context) => this.patientStatus.apply(event, context.client) },
      runs: 'across-patients',
    };
  }
}
