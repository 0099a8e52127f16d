import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from '@varde/messaging';
import { startServiceConsumer, type Infrastructure } from '@varde/platform';
import { SHARING_INFRA } from '../infrastructure/infrastructure.token';
import { PatientStatusProjection } from '../infrastructure/patient-status.projection';

/** Keeps the patient_status read model up to date from triage's PatientTriaged events. */
@Injectable()
export class PatientTriagedConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(SHARING_INFRA) private readonly infra: Infrastructure,
    @Inject(PatientStatusProjection) private readonly patientStatus: PatientStatusProjection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.patientStatus.ensureTable();
    this.subscription = await startServiceConsumer(this.infra, {
      group: 'patient-status',
      topics: ['varde.triage.v1'],
      handlers: { 'varde.triage.v1.PatientTriaged': (event, _message, context) => this.patientStatus.apply(event, context.client) },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
  }
}
