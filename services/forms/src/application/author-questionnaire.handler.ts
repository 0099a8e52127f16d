import type { Questionnaire } from '@medplum/fhirtypes';
import { Inject, Injectable } from '@nestjs/common';
import { IllegalStateError, sameJson, ValidationError, type CommandMetadata } from '@varde/core';
import { EventStore, handleCommand } from '@varde/event-sourcing';
import { catalogueDecider, type CatalogueCommand } from '../domain/questionnaire-catalogue.decide';
import { CATALOGUE_STREAM, questionnaireSubject, type QuestionnaireDocument } from '../domain/questionnaire-catalogue.events';
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
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
  ) {}

  /**
   * Creates (`create`) or replaces a draft, after checking it; the stored questionnaire, a draft whatever status was
   * sent. With `expectedVersion` (the client's If-Match) a questionnaire at another version is refused with a
   * ConcurrencyError and nothing is written.
   */
  async saveDraft(questionnaireId: string, questionnaire: Questionnaire, create: boolean, metadata: CommandMetadata, expectedVersion?: number): Promise<QuestionnaireEntry> {
    const issues = questionnaireDefinitionIssues(questionnaire);
    if (issues.length > 0) throw new ValidationError(issues);
    return this.run({ type: 'SaveQuestionnaireDraft', data: { questionnaireId, resource: documentOf(questionnaire), create, ...(expectedVersion === undefined ? {} : { expectedVersion }) }, metadata });
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

  /**
   * Publishes a questionnaire that a published pathway definition brought (pathways' `PathwayPublished`), as it is:
   * under its own id, else the last segment of its url (`<segment>-<version>` when that id is taken). The same
   * url|version already published with the same content changes nothing; with other content it is refused, since a
   * published version never changes.
   */
  async publishFromPathway(questionnaire: Questionnaire, metadata: CommandMetadata): Promise<QuestionnaireEntry> {
    const { url, version } = questionnaire;
    if (!url || !version) throw ValidationError.field(!url ? 'Questionnaire.url' : 'Questionnaire.version', "required: a pathway's questionnaire is named by url|version");
    const held = await this.catalogue.byCanonical(url, version);
    if (held) {
      if (sameJson(documentOf(held.resource), documentOf(questionnaire))) return held;
      throw IllegalStateError.about(questionnaireSubject(held.id), `already publishes ${url}|${version} with other content; a published version never changes: give the pathway's questionnaire a new version`);
    }
    return this.publishShipped({ ...questionnaire, id: questionnaire.id ?? (await this.freeIdFor(url, version)) }, metadata);
  }

  /** An id for a questionnaire that brings none: its url's last segment, or with its version when that is taken. */
  private async freeIdFor(url: string, version: string): Promise<string> {
    const fhirId = (text: string): string => text.replace(/[^A-Za-z0-9\-.]/g, '-').slice(0, 64);
    const segment = fhirId(url.split('/').pop() || 'questionnaire');
    const { entries } = await this.catalogue.state();
    return Object.hasOwn(entries, segment) ? fhirId(`${segment}-${version}`) : segment;
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
