import { describe, expect, it } from 'vitest';
import { IllegalStateError, NotFoundError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import type { PathwayVersion } from './pathway-definition';
import { pathwayDefinitionsDecider, type PathwayDraftSaved, type PathwayPublished, type PublishPathway, type RetirePathway, type SavePathwayDraft } from './pathway-definitions.decide';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'designer-1', role: 'pathway-designer' }, now: '2026-12-01T10:00:00.000Z' };
const URL = 'https://varde.no/fhir/PlanDefinition/heart-failure';
const definition: Omit<PathwayVersion, 'version'> = { id: 'heart-failure', title: 'Hjertesvikt', ruleSet: { id: 'heart-failure-default', version: 0 }, defaultCareTeam: 'hjertesvikt-care-team', activities: [] };
const resources = [{ resourceType: 'PlanDefinition', url: URL }];
const publish = (contentHash = 'sha256:a', version?: number, url = URL, id = 'heart-failure'): PublishPathway => ({
  type: 'PublishPathway',
  data: { url, contentHash, definition: { ...definition, id }, resources, ...(version ? { version } : {}) },
  metadata,
});
const draft = (url = URL, pathwayId = 'heart-failure'): SavePathwayDraft => ({ type: 'SavePathwayDraft', data: { url, pathwayId, resources }, metadata });
const retire = (version = 1): RetirePathway => ({ type: 'RetirePathway', data: { url: URL, version }, metadata });
const published = (version = 1, contentHash = 'sha256:a'): PathwayPublished => ({
  type: 'PathwayPublished',
  data: { url: URL, pathwayId: 'heart-failure', version, contentHash, definition: { ...definition, version }, resources, publishedAt: metadata.now },
});
const drafted: PathwayDraftSaved = { type: 'PathwayDraftSaved', data: { url: URL, pathwayId: 'heart-failure', resources, savedAt: metadata.now } };
const spec = deciderSpec(pathwayDefinitionsDecider);
const refusedWith = (text: string) => (error: Error) => expect(error.message).toContain(text);

describe('pathway definitions, when the url is new', () => {
  it('saves a draft', () => {
    spec.given([]).when(draft()).then([drafted]);
  });
  it('publishes version 1, or the version authored', () => {
    spec.given([]).when(publish()).then([published()]);
    spec.given([]).when(publish('sha256:a', 3)).then([published(3)]);
  });
  it('refuses a pathway id another url already uses', () => {
    spec.given([published()]).when(publish('sha256:b', undefined, 'https://example.org/PlanDefinition/heart-failure')).thenThrows(IllegalStateError, refusedWith('already used by'));
  });
  it('refuses to retire what was never published', () => {
    spec.given([]).when(retire()).thenThrows(NotFoundError);
  });
});

describe('pathway definitions, when a version is published', () => {
  it('publishes new content as the next version', () => {
    spec.given([published()]).when(publish('sha256:b')).then([published(2, 'sha256:b')]);
  });
  it('refuses to publish an already published version: published versions never change', () => {
    spec.given([published()]).when(publish('sha256:b', 1)).thenThrows(IllegalStateError, refusedWith('version 1 of https://varde.no/fhir/PlanDefinition/heart-failure is already published (sha256:a)'));
  });
  it('refuses content identical to a published version, and a version below the latest', () => {
    spec.given([published()]).when(publish('sha256:a')).thenThrows(IllegalStateError, refusedWith('already published as version 1'));
    spec.given([published(1), published(2, 'sha256:b')]).when(publish('sha256:c', 1)).thenThrows(IllegalStateError);
  });
  it('retires a version, once', () => {
    spec.given([published()]).when(retire()).then([{ type: 'PathwayRetired', data: { url: URL, pathwayId: 'heart-failure', version: 1, retiredAt: metadata.now } }]);
    spec.given([published(), { type: 'PathwayRetired', data: { url: URL, pathwayId: 'heart-failure', version: 1, retiredAt: metadata.now } }]).when(retire()).thenThrows(IllegalStateError, refusedWith('already retired'));
  });
  it('keeps a draft beside the published versions until it is published', () => {
    const state = [published(), drafted].reduce(pathwayDefinitionsDecider.evolve, pathwayDefinitionsDecider.initialState());
    expect(state.byUrl[URL]).toMatchObject({ url: drafted.data.url, draft: { resources: drafted.data.resources, savedAt: drafted.data.savedAt } });
    expect(state.byUrl[URL]?.versions.map((v) => v.version)).toEqual([1]);
    const after = pathwayDefinitionsDecider.evolve(state, published(2, 'sha256:b'));
    expect(after.byUrl[URL]?.draft).toBeUndefined();
    expect(after.byUrl[URL]?.versions.map((v) => v.version)).toEqual([1, 2]);
  });
});
