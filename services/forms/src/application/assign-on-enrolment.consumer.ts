import { Inject, Injectable } from '@nestjs/common';
import { ValidationError } from '@varde/core';
import { commandMetadataFromMessage, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import type { DeliveredMessage } from '@varde/messaging';
import { AssignFormHandler } from './assign-form.handler';
import { QuestionnaireCatalogueQuery } from './questionnaire-catalogue.query';

/**
 * Gives a patient the questionnaires of their pathway version when they are enrolled, or moved to another pathway
 * (version): the `questionnaires` that `PatientEnrolled` and `PathwayChanged` list, from the version's
 * questionnaire activities (COPD: the CAT; heart failure: its weekly symptoms form). A pathway asking for no
 * questionnaire assigns nothing. Each is assigned once: one the patient holds open already is not assigned again.
 */
@Injectable()
export class AssignOnEnrolmentConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(AssignFormHandler) private readonly assign: AssignFormHandler,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'assign-on-enrolment',
      topics: ['varde.pathways.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': (event, message, context) => this.assignAll(event.patientId, event.questionnaires, message, context.groupId),
        'varde.pathways.v1.PathwayChanged': (event, message, context) => this.assignAll(event.patientId, event.questionnaires, message, context.groupId),
      },
    };
  }

  private async assignAll(patientId: string, questionnaires: readonly string[], message: DeliveredMessage, groupId: string): Promise<void> {
    const metadata = commandMetadataFromMessage(message, groupId);
    for (const [i, canonical] of questionnaires.entries()) {
      const [url, version] = canonical.split('|');
      if (!url || !version) throw ValidationError.field(`questionnaires[${i}]`, `expected "url|version"; got "${canonical}"`);
      // A questionnaire that came with a newly published pathway reaches the catalogue through another consumer:
      // until it has, this fails and is retried (then dead-lettered with the reason, replayable).
      const entry = await this.catalogue.byCanonical(url, version);
      if (entry?.status !== 'active') throw new Error(`${canonical}, which the pathway asks for, is not a published questionnaire (yet)`);
      await this.assign.handle({ patientId, questionnaire: { url, version }, assignedBy: 'enrolment' }, { ...metadata, commandId: `${metadata.commandId}:${canonical}` });
    }
  }
}
