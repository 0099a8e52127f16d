import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from '@varde/messaging';
import { commandMetadataFromMessage, startServiceConsumer, type Infrastructure } from '@varde/platform';
import { CAT_QUESTIONNAIRE } from '../domain/questionnaire-catalogue';
import { INFRA } from '../infra.token';
import { AssignFormHandler } from './assign-form.handler';

const CONSUMER = 'forms.assign-on-enrolment';

/**
 * Gives every newly enrolled patient the CAT to fill in. The skeleton's only pathway is COPD; when pathways
 * publish their questionnaire list, this assigns that list instead.
 */
@Injectable()
export class AssignOnEnrolmentConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(AssignFormHandler) private readonly assign: AssignFormHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await startServiceConsumer(this.infra, {
      group: 'assign-on-enrolment',
      topics: ['varde.pathways.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': async (event, message) => {
          await this.assign.handle({ patientId: event.patientId, questionnaire: CAT_QUESTIONNAIRE }, commandMetadataFromMessage(message, CONSUMER));
        },
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
  }
}
