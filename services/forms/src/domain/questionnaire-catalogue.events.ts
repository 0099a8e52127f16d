import type { DomainEvent, Subject } from '@varde/core';

/**
 * A Questionnaire as forms keeps it: the FHIR R4 resource, opaque to the domain except for what versioning
 * needs. The application checks its items before any command is made of it.
 */
export type QuestionnaireDocument = Readonly<{ url?: string; version?: string; name?: string; title?: string; status?: string } & Record<string, unknown>>;

/** A draft Questionnaire was created or edited (replaced whole). */
export type QuestionnaireDraftSaved = DomainEvent<'QuestionnaireDraftSaved', { questionnaireId: string; resource: QuestionnaireDocument; savedAt: string }>;

/** A Questionnaire version was published: active and immutable from now on, answerable as url|version. */
export type QuestionnairePublished = DomainEvent<'QuestionnairePublished', { questionnaireId: string; url: string; version: string; resource: QuestionnaireDocument; publishedAt: string }>;

/** A published Questionnaire version was retired: kept for reading old responses, no longer answerable or assignable. */
export type QuestionnaireRetired = DomainEvent<'QuestionnaireRetired', { questionnaireId: string; url: string; version: string; retiredAt: string }>;

/** Every event of the questionnaire catalogue. */
export type CatalogueEvent = QuestionnaireDraftSaved | QuestionnairePublished | QuestionnaireRetired;

/** One questionnaire of the catalogue with its lifecycle status. */
export type CatalogueEntry = Readonly<{ id: string; status: 'draft' | 'active' | 'retired'; resource: QuestionnaireDocument; versionId: number; lastUpdated: string }>;

/** Every questionnaire, by id, folded from the catalogue stream. */
export type CatalogueState = Readonly<{ entries: Readonly<Record<string, CatalogueEntry>> }>;

/** The state before any event. */
export const initialCatalogueState = (): CatalogueState => ({ entries: {} });

/** Applies one event to the catalogue. */
export function evolveCatalogue(state: CatalogueState, event: CatalogueEvent): CatalogueState {
  const put = (id: string, entry: Omit<CatalogueEntry, 'versionId'>): CatalogueState => ({
    entries: { ...state.entries, [id]: { ...entry, versionId: (Object.hasOwn(state.entries, id) ? state.entries[id]!.versionId : 0) + 1 } },
  });
  switch (event.type) {
    case 'QuestionnaireDraftSaved':
      return put(event.data.questionnaireId, { id: event.data.questionnaireId, status: 'draft', resource: { ...event.data.resource, status: 'draft' }, lastUpdated: event.data.savedAt });
    case 'QuestionnairePublished':
      return put(event.data.questionnaireId, { id: event.data.questionnaireId, status: 'active', resource: { ...event.data.resource, status: 'active' }, lastUpdated: event.data.publishedAt });
    case 'QuestionnaireRetired': {
      const entry = state.entries[event.data.questionnaireId];
      if (!entry) return state;
      return put(entry.id, { ...entry, status: 'retired', resource: { ...entry.resource, status: 'retired' }, lastUpdated: event.data.retiredAt });
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The entry holding a canonical `url|version` (a published or retired version; drafts hold none). */
export function entryByCanonical(state: CatalogueState, url: string, version: string): CatalogueEntry | undefined {
  return Object.values(state.entries).find((e) => e.status !== 'draft' && e.resource.url === url && e.resource.version === version);
}

/** The one stream of the questionnaire catalogue: one stream, so url|version stays unique under concurrent publishing. */
export const CATALOGUE_STREAM = 'questionnaire-catalogue';

/** A questionnaire as forms' refusals name it: `questionnaire q-1`. */
export const questionnaireSubject = (questionnaireId: string): Subject => ({ thing: 'questionnaire', id: questionnaireId });
