import { Inject, Injectable } from '@nestjs/common';
import { commandMetadataFromMessage, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { AssignFormHandler } from './assign-form.handler';

/** The CAT version every COPD enrolment gets until pathways publish their questionnaire schedule (TaskDue). */
const CAT = { url: 'https://varde.no/fhir/Questionnaire/cat', version: '1' };

/**
 * Gives every newly enrolled patient the CAT to fill in. The skeleton's only pathway is COPD; when pathways
 * publish their questionnaire list, this assigns that list instead.
 */
@Injectable()
export class AssignOnEnrolmentConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(AssignFormHandler) private readonly assign: AssignFormHandler,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'assign-on-enrolment',
      topics: ['varde.pathways.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': async (event, message, context) => {
          await this.assign.handle({ patientId: event.patientId, questionnaire: CAT, assignedBy: 'enrolment' }, commandMetadataFromMessage(message, context.groupId));
        },
      },
    };
  }
}
