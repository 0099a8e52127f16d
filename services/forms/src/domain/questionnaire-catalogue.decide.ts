import { ConcurrencyError, IllegalStateError, NotFoundError, sameJson, type Decider, type DomainCommand } from '@varde/core';
import { entryByCanonical, evolveCatalogue, initialCatalogueState, questionnaireSubject, type CatalogueEvent, type CatalogueState, type QuestionnaireDocument } from './questionnaire-catalogue.events';

/** Create or replace a draft; with `expectedVersion` (an If-Match) only while the questionnaire is at that version. */
export type SaveQuestionnaireDraft = DomainCommand<'SaveQuestionnaireDraft', { questionnaireId: string; resource: QuestionnaireDocument; create: boolean; expectedVersion?: number }>;
/** Publish a draft (or, with `resource`, publish a shipped questionnaire as it is). */
export type PublishQuestionnaire = DomainCommand<'PublishQuestionnaire', { questionnaireId: string; resource?: QuestionnaireDocument }>;
/** Retire a published version. */
export type RetireQuestionnaire = DomainCommand<'RetireQuestionnaire', { questionnaireId: string }>;

/** Every command of the catalogue decider. */
export type CatalogueCommand = SaveQuestionnaireDraft | PublishQuestionnaire | RetireQuestionnaire;

const canonical = (r: QuestionnaireDocument): string => `${r.url}|${r.version}`;
const sameContent = (a: QuestionnaireDocument, b: QuestionnaireDocument): boolean => sameJson({ ...a, status: undefined }, { ...b, status: undefined });

/**
 * Questionnaire versions: drafts are edited freely; publishing makes url|version active and immutable (a
 * url|version is published once); retiring keeps it readable but no longer answerable.
 */
export function decideCatalogue(command: CatalogueCommand, state: CatalogueState): CatalogueEvent[] {
  const { questionnaireId } = command.data;
  const entry = Object.hasOwn(state.entries, questionnaireId) ? state.entries[questionnaireId] : undefined;
  const now = command.metadata.now;
  const subject = questionnaireSubject(questionnaireId);
  switch (command.type) {
    case 'SaveQuestionnaireDraft': {
      if (command.data.create && entry) throw IllegalStateError.about(subject, 'exists already');
      const { expectedVersion } = command.data;
      if (expectedVersion !== undefined && entry?.versionId !== expectedVersion) {
        throw ConcurrencyError.about(subject, `is ${entry ? `at version ${entry.versionId}` : 'not recorded'}, not at ${expectedVersion}`);
      }
      if (entry && entry.status !== 'draft') {
        throw IllegalStateError.about(subject, `(${canonical(entry.resource)}) is ${entry.status} and cannot be edited: a published version is immutable; save a new version as a new draft`);
      }
      if (entry && sameContent(entry.resource, command.data.resource)) return [];
      return [{ type: 'QuestionnaireDraftSaved', data: { questionnaireId, resource: command.data.resource, savedAt: now } }];
    }
    case 'PublishQuestionnaire': {
      const given = command.data.resource ?? entry?.resource;
      if (!given) throw NotFoundError.about(subject, 'does not exist');
      // The status is the catalogue's, not part of the content.
      const { status: _status, ...resource } = given;
      if (entry?.status === 'active' && sameContent(entry.resource, resource)) return [];
      if (entry && entry.status !== 'draft') throw IllegalStateError.about(subject, `is ${entry.status}; only a draft can be published`);
      const holder = entryByCanonical(state, resource.url!, resource.version!);
      if (holder) throw IllegalStateError.about(questionnaireSubject(holder.id), `already publishes ${canonical(resource)}; give this draft a new version`);
      return [{ type: 'QuestionnairePublished', data: { questionnaireId, url: resource.url!, version: resource.version!, resource, publishedAt: now } }];
    }
    case 'RetireQuestionnaire': {
      if (!entry) throw NotFoundError.about(subject, 'does not exist');
      if (entry.status === 'retired') return [];
      if (entry.status === 'draft') throw IllegalStateError.about(subject, 'is a draft; only a published version can be retired');
      return [{ type: 'QuestionnaireRetired', data: { questionnaireId, url: entry.resource.url!, version: entry.resource.version!, retiredAt: now } }];
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

/** The questionnaire catalogue decider. */
export const catalogueDecider: Decider<CatalogueCommand, CatalogueState, CatalogueEvent> = {
  decide: decideCatalogue,
  evolve: evolveCatalogue,
  initialState: initialCatalogueState,
};
