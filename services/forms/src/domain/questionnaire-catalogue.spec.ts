import { describe, expect, it } from 'vitest';
import { IllegalStateError, NotFoundError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { catalogueDecider, type CatalogueCommand } from './questionnaire-catalogue.decide';
import type { QuestionnaireDraftSaved, QuestionnairePublished, QuestionnaireRetired } from './questionnaire-catalogue.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'designer-1', role: 'pathway-designer' }, now: '2026-11-22T08:00:00.000Z' };
const resource = { url: 'https://example.org/q/sleep', version: '1', name: 'Sleep', item: [{ linkId: 'hours', type: 'integer' }] };
const save = (r: Record<string, unknown> = resource, create = false): CatalogueCommand => ({ type: 'SaveQuestionnaireDraft', data: { questionnaireId: 'q-1', resource: r, create }, metadata });
const publish = (questionnaireId = 'q-1'): CatalogueCommand => ({ type: 'PublishQuestionnaire', data: { questionnaireId }, metadata });
const retire: CatalogueCommand = { type: 'RetireQuestionnaire', data: { questionnaireId: 'q-1' }, metadata };
const saved: QuestionnaireDraftSaved = { type: 'QuestionnaireDraftSaved', data: { questionnaireId: 'q-1', resource, savedAt: metadata.now } };
const published: QuestionnairePublished = { type: 'QuestionnairePublished', data: { questionnaireId: 'q-1', url: resource.url, version: '1', resource, publishedAt: metadata.now } };
const retired: QuestionnaireRetired = { type: 'QuestionnaireRetired', data: { questionnaireId: 'q-1', url: resource.url, version: '1', retiredAt: metadata.now } };
const spec = deciderSpec(catalogueDecider);

describe('questionnaire catalogue, when the questionnaire does not exist', () => {
  it('saves a draft', () => spec.given([]).when(save(resource, true)).then([saved]));
  it('cannot publish or retire it', () => {
    spec.given([]).when(publish()).thenThrows(NotFoundError);
    spec.given([]).when(retire).thenThrows(NotFoundError);
  });
  it('publishes a shipped questionnaire as it is, once', () => {
    const shipped: CatalogueCommand = { type: 'PublishQuestionnaire', data: { questionnaireId: 'q-1', resource }, metadata };
    spec.given([]).when(shipped).then([published]);
    spec.given([published]).when(shipped).thenNothing();
  });
  it('publishes a shipped questionnaire once even when the stored one comes back with its keys reordered (jsonb)', () => {
    const shipped: CatalogueCommand = { type: 'PublishQuestionnaire', data: { questionnaireId: 'q-1', resource }, metadata };
    const { item, name, version, url } = resource;
    const stored: QuestionnairePublished = { ...published, data: { ...published.data, resource: { url, name, item: item.map(({ type, linkId }) => ({ type, linkId })), version } } };
    spec.given([stored]).when(shipped).thenNothing();
  });
});

describe('questionnaire catalogue, when the questionnaire is a draft', () => {
  it('replaces it with an edit, and changes nothing for the same content', () => {
    const edited = { ...resource, title: 'Sleep diary' };
    spec.given([saved]).when(save(edited)).then([{ ...saved, data: { ...saved.data, resource: edited } }]);
    spec.given([saved]).when(save()).thenNothing();
  });
  it('refuses a create with the id of an existing one', () => spec.given([saved]).when(save(resource, true)).thenThrows(IllegalStateError));
  it('publishes it', () => spec.given([saved]).when(publish()).then([published]));
  it('refuses to publish a url|version another questionnaire holds', () => {
    const other: QuestionnairePublished = { ...published, data: { ...published.data, questionnaireId: 'q-0' } };
    spec.given([other, saved]).when(publish()).thenThrows(IllegalStateError, (e) => expect(e.message).toBe('questionnaire q-0 already publishes https://example.org/q/sleep|1; give this draft a new version'));
  });
  it('cannot retire a draft', () => spec.given([saved]).when(retire).thenThrows(IllegalStateError));
});

describe('questionnaire catalogue, when the questionnaire is published', () => {
  it('refuses an edit: a published version is immutable', () => {
    spec.given([saved, published]).when(save({ ...resource, title: 'changed' })).thenThrows(IllegalStateError, (e) => expect(e.message).toContain('immutable'));
  });
  it('retires it, once', () => {
    spec.given([saved, published]).when(retire).then([retired]);
    spec.given([saved, published, retired]).when(retire).thenNothing();
  });
  it('keeps the status and a version count in the state', () => {
    const state = [saved, published, retired].reduce(catalogueDecider.evolve, catalogueDecider.initialState());
    expect(state.entries['q-1']).toMatchObject({ status: 'retired', versionId: 3, resource: { status: 'retired', url: resource.url } });
  });
});
