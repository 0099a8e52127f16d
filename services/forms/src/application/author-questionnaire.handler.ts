import type { EventStore } from '@event-driven-io/emmett';
import type { Questionnaire } from '@medplum/fhirtypes';
import { Inject, Injectable } from '@nestjs/common';
import { ValidationError, type CommandMetadata } from '@varde/core';
import { handleCommand } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { catalogueDecider, type CatalogueCommand } from '../domain/questionnaire-catalogue.decide';
import { CATALOGUE_STREAM, type QuestionnaireDocument } from '../domain/questionnaire-catalogue.events';
import { QuestionnaireCatalogueQuery, type QuestionnaireEntry } from './questionnaire-catalogue.query';
import { questionnaireDefinitionIssues } from './questionnaire-definition.check';

/** What the author sent, without the server's own elements (id, meta, status are the server's). */
function documentOf(questionnaire: Questionnaire): QuestionnaireDocument {
  const { id: _id, meta: _meta, status: _status, ...rest } = questionnaire;
  return rest as QuestionnaireDocument;
}

/** Authoring of questionnaires: drafts checked when saved, published once per url|version, retired. */
@Injectable()
export class AuthorQuestionnaireHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
  ) {}

  /** Creates (`create`) or replaces a draft, after checking it; the stored questionnaire. */
  async saveDraft(questionnaireId: string, questionnaire: Questionnaire, create: boolean, metadata: CommandMetadata): Promise<QuestionnaireEntry> {
    if (questionnaire.status !== undefined && questionnaire.status !== 'draft') {
      throw ValidationError.field('Questionnaire.status', `expected "draft": a questionnaire is saved as a draft, then published with POST /fhir/Questionnaire/<id>/$publish and retired with $retire`);
    }
    const issues = questionnaireDefinitionIssues(questionnaire);
    if (issues.length > 0) throw new ValidationError(issues);
    return this.run({ type: 'SaveQuestionnaireDraft', data: { questionnaireId, resource: documentOf(questionnaire), create }, metadata });
  }

  /** Publishes a draft as an active, immutable version. */
  async publish(questionnaireId: string, metadata: CommandMetadata): Promise<QuestionnaireEntry> {
    return this.run({ type: 'PublishQuestionnaire', data: { questionnaireId }, metadata });
  }

  /** Publishes a questionnaire shipped with Varde, as it is (checked like any other). */
  async publishShipped(questionnaire: Questionnaire, metadata: CommandMetadata): Promise<QuestionnaireEntry> {
    const issues = questionnaireDefinitionIssues(questionnaire);
    if (issues.length > 0) throw new ValidationError(issues);
    return this.run({ type: 'PublishQuestionnaire', data: { questionnaireId: questionnaire.id!, resource: documentOf(questionnaire) }, metadata });
  }

  /** Retires a published version. */
  async retire(questionnaireId: string, metadata: CommandMetadata): Promise<QuestionnaireEntry> {
    return this.run({ type: 'RetireQuestionnaire', data: { questionnaireId }, metadata });
  }

  private async run(command: CatalogueCommand): Promise<QuestionnaireEntry> {
    await handleCommand(this.store, CATALOGUE_STREAM, catalogueDecider, command);
    return this.catalogue.get(command.data.questionnaireId);
  }
}
