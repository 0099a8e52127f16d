import { Inject, Injectable } from '@nestjs/common';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { PmdInPatients } from './pmd.ports';

/** Keeps the patients PMD in fetches for (and since when, for PMD out's back catalogue): enrolled from PatientEnrolled, no longer after PatientDischarged. */
@Injectable()
export class EnrolmentsForPmdConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(PmdInPatients) private readonly patients: PmdInPatients,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'pmd-in-patients',
      topics: ['varde.pathways.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': (event, _message, { client }) => this.patients.setEnrolled(client, event.patientId, true, event.enrolledAt?.toISOString()),
        'varde.pathways.v1.PatientDischarged': (event, _message, { client }) => this.patients.setEnrolled(client, event.patientId, false),
      },
    };
  }
}
