import type { Questionnaire } from '@medplum/fhirtypes';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import { EventStore, StreamFoldCache } from '@varde/event-sourcing';
import { CATALOGUE_STREAM, entryByCanonical, questionnaireSubject, evolveCatalogue, initialCatalogueState, type CatalogueEntry, type CatalogueEvent, type CatalogueState } from '../domain/questionnaire-catalogue.events';

/** A catalogue entry with its resource typed as the FHIR Questionnaire it is. */
export type QuestionnaireEntry = CatalogueEntry & Readonly<{ resource: Questionnaire & CatalogueEntry['resource'] }>;

/** Search parameters of `GET /fhir/Questionnaire`. */
export type QuestionnaireSearch = Readonly<{ url?: string; version?: string; status?: string; name?: string }>;

/**
 * Reads the questionnaire catalogue from its one stream. Authoring is rare and responses are many, so the
 * folded catalogue is kept and only the events appended since are read on each call.
 */
@Injectable()
export class QuestionnaireCatalogueQuery {
  private readonly catalogue: StreamFoldCache<CatalogueState, CatalogueEvent>;

  constructor(@Inject(EventStore) store: EventStore) {
    this.catalogue = new StreamFoldCache(store, CATALOGUE_STREAM, initialCatalogueState(), evolveCatalogue);
  }

  /** The current catalogue. */
  state(): Promise<CatalogueState> {
    return this.catalogue.load();
  }

  /** The questionnaire with this id, or a 404. */
  async get(id: string): Promise<QuestionnaireEntry> {
    const state = await this.state();
    const entry = Object.hasOwn(state.entries, id) ? state.entries[id] : undefined;
    if (!entry) throw NotFoundError.about(questionnaireSubject(id), 'does not exist');
    return entry as QuestionnaireEntry;
  }

  /** The questionnaires matching every given parameter (`name` matches the start, case-insensitively, as R4 string search). */
  async search(params: QuestionnaireSearch): Promise<QuestionnaireEntry[]> {
    const state = await this.state();
    return (Object.values(state.entries) as QuestionnaireEntry[])
      .filter((e) => params.url === undefined || e.resource.url === params.url)
      .filter((e) => params.version === undefined || e.resource.version === params.version)
      .filter((e) => params.status === undefined || params.status.split(',').includes(e.status))
      .filter((e) => params.name === undefined || [e.resource.name, e.resource.title].some((n) => n?.toLowerCase().startsWith(params.name!.toLowerCase())))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The published or retired version a canonical `url|version` names. */
  async byCanonical(url: string, version: string): Promise<QuestionnaireEntry | undefined> {
    return entryByCanonical(await this.state(), url, version) as QuestionnaireEntry | undefined;
  }
}
