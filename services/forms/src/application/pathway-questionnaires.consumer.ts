import type { Questionnaire } from '@medplum/fhirtypes';
import { Inject, Injectable } from '@nestjs/common';
import { ValidationError } from '@varde/core';
import { commandMetadataFromMessage, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { AuthorQuestionnaireHandler } from './author-questionnaire.handler';

/**
 * Adds to the catalogue the Questionnaires a published pathway definition brought (`varde.pathways.v1.PathwayPublished`,
 * e.g. a FUT-style transaction Bundle holding a PlanDefinition with its ActivityDefinitions and Questionnaires): each is
 * checked like any questionnaire and published as it is, so the pathway's tasks and enrolments can assign it. One that
 * does not pass the checks, or names a url|version forms holds with other content, is dead-lettered with the reason.
 */
@Injectable()
export class PathwayQuestionnairesConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(AuthorQuestionnaireHandler) private readonly author: AuthorQuestionnaireHandler,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'pathway-questionnaires',
      topics: ['varde.pathways.v1'],
      handlers: {
        'varde.pathways.v1.PathwayPublished': async (event, message, context) => {
          const metadata = commandMetadataFromMessage(message, context.groupId);
          for (const [i, json] of event.questionnairesJson.entries()) {
            const questionnaire = parseQuestionnaire(json, i);
            await this.author.publishFromPathway(questionnaire, { ...metadata, commandId: `${metadata.commandId}:${i}` });
          }
        },
      },
    };
  }
}

function parseQuestionnaire(json: string, index: number): Questionnaire {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw ValidationError.field(`questionnaires_json[${index}]`, 'expected a FHIR Questionnaire as JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { resourceType?: unknown }).resourceType !== 'Questionnaire') {
    throw ValidationError.field(`questionnaires_json[${index}].resourceType`, 'expected "Questionnaire"');
  }
  return parsed as Questionnaire;
}
