import type { Decider, DomainCommand, DomainEvent } from '@varde/core';
import type { RuleSetDocument } from './rule-set';

/** A rule set version was published; published versions never change. */
export type RuleSetPublished = DomainEvent<
  'RuleSetPublished',
  { ruleSetId: string; version: number; contentHash: string; pathwayId: string; title: string; document: RuleSetDocument; source: string; publishedBy: string; publishedAt: string }
>;

/** Publish a checked rule set document as its next version. */
export type PublishRuleSet = DomainCommand<'PublishRuleSet', { document: RuleSetDocument; contentHash: string; source: string }>;

/** The versions of one rule set, oldest first. */
export type RuleSetVersions = Readonly<{ versions: readonly Readonly<{ version: number; contentHash: string }>[] }>;

/**
 * Publishing gives the next version number; publishing the content of the latest version again is a no-op
 * (the caller answers that version), while going back to an older content makes it a new version.
 */
export const ruleSetPublicationDecider: Decider<PublishRuleSet, RuleSetVersions, RuleSetPublished> = {
  decide: (command, state) => {
    const latest = state.versions[state.versions.length - 1];
    if (latest?.contentHash === command.data.contentHash) return [];
    const { document, contentHash, source } = command.data;
    return [
      {
        type: 'RuleSetPublished',
        data: {
          ruleSetId: document.id,
          version: (latest?.version ?? 0) + 1,
          contentHash,
          pathwayId: document.pathway,
          title: document.title,
          document,
          source,
          publishedBy: command.metadata.actor.subject,
          publishedAt: command.metadata.now,
        },
      },
    ];
  },
  evolve: (state, event) => ({ versions: [...state.versions, { version: event.data.version, contentHash: event.data.contentHash }] }),
  initialState: () => ({ versions: [] }),
};

/** The one name of a rule set's stream. */
export const ruleSetStreamId = (ruleSetId: string): string => `rule-set-${ruleSetId}`;
