import { Inject, Injectable } from '@nestjs/common';
import { pathwaysV1Events } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import { commandMetadataFromMessage, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { AssignFormHandler } from './assign-form.handler';
import { QuestionnaireCatalogueQuery } from './questionnaire-catalogue.query';

/**
 * Assigns the questionnaire of a pathway's questionnaire task when it falls due (`varde.pathways.v1.TaskDue`,
 * kind questionnaire): due at the task's time, lapsing at the end of its window. A task naming a questionnaire
 * forms has not published is refused (dead-lettered with the reason, replayable once it is published).
 */
@Injectable()
export class AssignOnTaskDueConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(AssignFormHandler) private readonly assign: AssignFormHandler,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'assign-on-task-due',
      topics: ['varde.pathways.v1'],
      handlers: {
        'varde.pathways.v1.TaskDue': async (event, message, context) => {
          if (event.kind !== pathwaysV1Events.TaskKind.TASK_KIND_QUESTIONNAIRE) return;
          const [url, version] = event.questionnaire.split('|');
          const entry = url && version ? await this.catalogue.byCanonical(url, version) : undefined;
          if (entry?.status !== 'active') throw ValidationError.field('questionnaire', `task ${event.taskId} names ${event.questionnaire || '(nothing)'}, which is not a published questionnaire`);
          const metadata = commandMetadataFromMessage(message, context.groupId);
          const dueAt = event.dueAt?.toISOString();
          const expiresAt = event.windowEnd && event.windowEnd.getTime() > Date.parse(metadata.now) ? event.windowEnd.toISOString() : undefined;
          await this.assign.handle({ patientId: event.patientId, questionnaire: { url: url!, version: version! }, ...(dueAt ? { dueAt } : {}), ...(expiresAt ? { expiresAt } : {}), assignedBy: 'pathway' }, metadata);
        },
      },
    };
  }
}
