import { describe, it } from 'vitest';
import { deciderSpec } from '@varde/event-sourcing';
import type { RuleSetDocument } from './rule-set';
import { ruleSetPublicationDecider, type PublishRuleSet, type RuleSetPublished } from './rule-set-publication';

const document = (threshold: number): RuleSetDocument => ({
  id: 'copd-default',
  pathway: 'copd',
  title: 'COPD',
  rules: [{ id: 'spo2-low', kind: 'threshold', code: 'loinc:2708-6', operator: 'lt', threshold, unit: '%', colour: 'red', reason: 'SpO2 {value} {unit}' }],
});
const publish = (threshold: number, hash: string): PublishRuleSet => ({
  type: 'PublishRuleSet',
  data: { document: document(threshold), contentHash: hash, source: `threshold: ${threshold}` },
  metadata: { commandId: `c-${hash}`, correlationId: `c-${hash}`, actor: { subject: 'designer-1', role: 'pathway-designer' }, now: '2026-11-22T10:00:00.000Z' },
});
const published = (version: number, threshold: number, hash: string): RuleSetPublished => ({
  type: 'RuleSetPublished',
  data: { ruleSetId: 'copd-default', version, contentHash: hash, pathwayId: 'copd', title: 'COPD', document: document(threshold), source: `threshold: ${threshold}`, publishedBy: 'designer-1', publishedAt: '2026-11-22T10:00:00.000Z' },
});

describe('publishing a rule set', () => {
  const spec = deciderSpec(ruleSetPublicationDecider);

  it('the first publication is version 1, with the hash, the source and who published it', () => {
    spec.given([]).when(publish(90, 'sha256:a')).then([published(1, 90, 'sha256:a')]);
  });

  it('new content is the next version', () => {
    spec.given([published(1, 90, 'sha256:a')]).when(publish(88, 'sha256:b')).then([published(2, 88, 'sha256:b')]);
  });

  it('the content of the latest version again writes nothing', () => {
    spec.given([published(1, 90, 'sha256:a'), published(2, 88, 'sha256:b')]).when(publish(88, 'sha256:b')).thenNothing();
  });

  it('going back to an older content is a new version: published versions never change', () => {
    spec.given([published(1, 90, 'sha256:a'), published(2, 88, 'sha256:b')]).when(publish(90, 'sha256:a')).then([published(3, 90, 'sha256:a')]);
  });
});
