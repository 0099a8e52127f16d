import { IllegalStateError, NotFoundError, type Decider, type DomainCommand, type DomainEvent } from '@varde/core';
import type { PathwayVersion } from './pathway-definition';

/** The FHIR resources a definition was authored as (PlanDefinition, ActivityDefinitions, Questionnaires), kept as sent. */
export type DefinitionResources = readonly Readonly<Record<string, unknown>>[];

/** A draft was saved (replacing the previous draft of the same url). */
export type PathwayDraftSaved = DomainEvent<'PathwayDraftSaved', { url: string; pathwayId: string; resources: DefinitionResources; savedAt: string }>;
/** A version was published: from now on immutable, identified by its content hash. */
export type PathwayPublished = DomainEvent<
  'PathwayPublished',
  { url: string; pathwayId: string; version: number; contentHash: string; definition: PathwayVersion; resources: DefinitionResources; publishedAt: string }
>;
/** A published version was retired: no new enrolments on it. */
export type PathwayRetired = DomainEvent<'PathwayRetired', { url: string; pathwayId: string; version: number; retiredAt: string }>;
/** Every event of the pathway definitions stream. */
export type PathwayDefinitionEvent = PathwayDraftSaved | PathwayPublished | PathwayRetired;

/** One published version of a definition. */
export type PublishedVersion = Readonly<{ version: number; status: 'active' | 'retired'; contentHash: string; definition: PathwayVersion; resources: DefinitionResources; publishedAt: string }>;
/** Everything known of one definition url. */
export type DefinitionHistory = Readonly<{ url: string; pathwayId: string; draft?: Readonly<{ resources: DefinitionResources; savedAt: string }>; versions: readonly PublishedVersion[] }>;
/** All pathway definitions, by url. */
export type PathwayDefinitionsState = Readonly<{ byUrl: Readonly<Record<string, DefinitionHistory>> }>;

/** Save a draft. */
export type SavePathwayDraft = DomainCommand<'SavePathwayDraft', { url: string; pathwayId: string; resources: DefinitionResources }>;
/** Publish a version (`version` as authored, else the next). */
export type PublishPathway = DomainCommand<
  'PublishPathway',
  { url: string; version?: number; contentHash: string; definition: Omit<PathwayVersion, 'version'>; resources: DefinitionResources }
>;
/** Retire a published version. */
export type RetirePathway = DomainCommand<'RetirePathway', { url: string; version: number }>;
/** Every command of the pathway definitions decider. */
export type PathwayDefinitionCommand = SavePathwayDraft | PublishPathway | RetirePathway;

/** The one name of the stream holding every pathway definition (few, rarely changed: one stream keeps versions consistent). */
export const PATHWAY_DEFINITIONS_STREAM = 'pathway-definitions';

const latest = (history: DefinitionHistory | undefined): PublishedVersion | undefined => history?.versions.at(-1);

/** The pathway id (short name) is unique across urls, so `"pathway": "copd"` names one definition. */
function assertIdIsFree(state: PathwayDefinitionsState, url: string, pathwayId: string): void {
  const other = Object.values(state.byUrl).find((h) => h.pathwayId === pathwayId && h.url !== url);
  if (other) throw new IllegalStateError(`pathway id "${pathwayId}" is already used by ${other.url}; give this definition a url ending in another name`);
}

/**
 * Pathway definitions as data: drafts, then published versions that never change (each identified by the hash of
 * its content), then retired. Publishing a version number that exists, or content identical to a published
 * version, is refused; so is retiring a version twice.
 */
export function decidePathwayDefinitions(command: PathwayDefinitionCommand, state: PathwayDefinitionsState): PathwayDefinitionEvent[] {
  const now = command.metadata.now;
  switch (command.type) {
    case 'SavePathwayDraft': {
      const { url, pathwayId, resources } = command.data;
      assertIdIsFree(state, url, pathwayId);
      return [{ type: 'PathwayDraftSaved', data: { url, pathwayId, resources, savedAt: now } }];
    }
    case 'PublishPathway': {
      const { url, contentHash, definition, resources } = command.data;
      assertIdIsFree(state, url, definition.id);
      const history = state.byUrl[url];
      const existing = history?.versions.find((v) => v.version === command.data.version);
      if (existing) throw new IllegalStateError(`version ${existing.version} of ${url} is already published (${existing.contentHash}); published versions never change: publish a new version`);
      const same = history?.versions.find((v) => v.contentHash === contentHash);
      if (same) throw new IllegalStateError(`this content is already published as version ${same.version} of ${url} (${contentHash})`);
      const next = (latest(history)?.version ?? 0) + 1;
      const version = command.data.version ?? next;
      if (version < next) throw new IllegalStateError(`version ${version} of ${url} is lower than the latest published (${next - 1}); publish version ${next} or higher`);
      return [{ type: 'PathwayPublished', data: { url, pathwayId: definition.id, version, contentHash, definition: { ...definition, version }, resources, publishedAt: now } }];
    }
    case 'RetirePathway': {
      const { url, version } = command.data;
      const found = state.byUrl[url]?.versions.find((v) => v.version === version);
      if (!found) throw new NotFoundError(`${url} has no published version ${version}`);
      if (found.status === 'retired') throw new IllegalStateError(`version ${version} of ${url} is already retired`);
      return [{ type: 'PathwayRetired', data: { url, pathwayId: found.definition.id, version, retiredAt: now } }];
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

/** Applies one event. */
export function evolvePathwayDefinitions(state: PathwayDefinitionsState, event: PathwayDefinitionEvent): PathwayDefinitionsState {
  const history: DefinitionHistory = state.byUrl[event.data.url] ?? { url: event.data.url, pathwayId: event.data.pathwayId, versions: [] };
  const put = (next: DefinitionHistory): PathwayDefinitionsState => ({ byUrl: { ...state.byUrl, [next.url]: next } });
  switch (event.type) {
    case 'PathwayDraftSaved':
      return put({ ...history, pathwayId: event.data.pathwayId, draft: { resources: event.data.resources, savedAt: event.data.savedAt } });
    case 'PathwayPublished': {
      const { version, contentHash, definition, resources, publishedAt } = event.data;
      const { draft: _published, ...rest } = history;
      return put({ ...rest, pathwayId: event.data.pathwayId, versions: [...history.versions, { version, status: 'active', contentHash, definition, resources, publishedAt }] });
    }
    case 'PathwayRetired':
      return put({ ...history, versions: history.versions.map((v) => (v.version === event.data.version ? { ...v, status: 'retired' } : v)) });
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The pathway definitions decider. */
export const pathwayDefinitionsDecider: Decider<PathwayDefinitionCommand, PathwayDefinitionsState, PathwayDefinitionEvent> = {
  decide: decidePathwayDefinitions,
  evolve: evolvePathwayDefinitions,
  initialState: () => ({ byUrl: {} }),
};
