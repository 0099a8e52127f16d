import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ConcurrencyError, NotFoundError, type CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { LOGGER, type Logger } from '@varde/platform';
import { ruleSetFromDocument, type RuleSet } from '../domain/rule-set';
import { ruleSetPublicationDecider, ruleSetStreamId, type RuleSetPublished } from '../domain/rule-set-publication';
import { parseRuleSetOrThrow, RULE_SETS_DIR } from './rule-set.parser';
import { RuleSetPublications } from './rule-set-publications.port';

/** A published rule set version: what was published, and the rule set ready to evaluate. */
export type PublishedRuleSet = RuleSetPublished['data'] & Readonly<{ ruleSet: RuleSet }>;

// A version published on another replica is seen within this long; published versions themselves never change.
const LATEST_CACHE_MS = 2_000;
const SHIPPED_BY = { subject: 'varde-triage', role: 'system' } as const;

/**
 * The published rule sets: publishing (checked, versioned, content-hashed, immutable), lookups by id and
 * version, and the defaults shipped in services/triage/rule-sets, published at start-up when their content
 * is not yet the latest version.
 */
@Injectable()
export class RuleSetRegistry implements OnModuleInit {
  private readonly versions = new Map<string, PublishedRuleSet>();
  private readonly latestCache = new Map<string, { value: PublishedRuleSet; until: number }>();

  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(RuleSetPublications) private readonly publications: RuleSetPublications,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const file of readdirSync(RULE_SETS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const source = readFileSync(join(RULE_SETS_DIR, file), 'utf8');
      const parsed = parseRuleSetOrThrow(source);
      const commandId = deterministicId(`shipped-rule-set:${parsed.document.id}:${parsed.contentHash}`);
      const now = new Date().toISOString();
      try {
        const { version, published } = await this.publish(source, { commandId, correlationId: commandId, actor: SHIPPED_BY, now });
        if (published) this.logger.info({ ruleSetId: version.ruleSetId, version: version.version, contentHash: version.contentHash }, 'published the shipped rule set');
      } catch (error) {
        // Another replica published it at the same moment.
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
  }

  /**
   * Checks and publishes a rule set text (YAML or JSON). Answers the new version, or the latest one unchanged
   * when it already has this content. Problems are a ValidationError naming line, column and field of each.
   */
  async publish(source: string, metadata: CommandMetadata): Promise<{ version: PublishedRuleSet; published: boolean }> {
    const parsed = parseRuleSetOrThrow(source);
    const result = await handleCommand(this.store, ruleSetStreamId(parsed.document.id), ruleSetPublicationDecider, {
      type: 'PublishRuleSet',
      data: { document: parsed.document, contentHash: parsed.contentHash, source: parsed.source },
      metadata,
    });
    this.latestCache.delete(parsed.document.id);
    const latest = result.state.versions[result.state.versions.length - 1]!;
    return { version: await this.version(parsed.document.id, latest.version), published: result.events.length > 0 && !result.alreadyHandled };
  }

  /** The latest published version of a rule set; NotFoundError when it was never published. */
  async latest(ruleSetId: string): Promise<PublishedRuleSet> {
    const cached = this.latestCache.get(ruleSetId);
    if (cached && cached.until > Date.now()) return cached.value;
    const all = await this.history(ruleSetId);
    const latest = all[all.length - 1];
    if (!latest) throw new NotFoundError(`Rule set ${ruleSetId} is not published`);
    this.latestCache.set(ruleSetId, { value: latest, until: Date.now() + LATEST_CACHE_MS });
    return latest;
  }

  /** One published version; NotFoundError when there is no such version. */
  async version(ruleSetId: string, version: number): Promise<PublishedRuleSet> {
    const key = `${ruleSetId}@${version}`;
    const cached = this.versions.get(key);
    if (cached) return cached;
    const found = (await this.history(ruleSetId)).find((v) => v.version === version);
    if (!found) throw new NotFoundError(`Rule set ${ruleSetId} has no published version ${version}`);
    return found;
  }

  /** The version a patient is triaged with: the pinned one, or the latest when the pin is 0. */
  resolve(ruleSetId: string, pinnedVersion: number): Promise<PublishedRuleSet> {
    return pinnedVersion > 0 ? this.version(ruleSetId, pinnedVersion) : this.latest(ruleSetId);
  }

  /** Every published version of a rule set, oldest first. */
  async history(ruleSetId: string): Promise<readonly PublishedRuleSet[]> {
    const { events } = await this.store.readStream<StoredEvent<RuleSetPublished>>(ruleSetStreamId(ruleSetId));
    return events.map((event) => this.remember(event.data));
  }

  /** The latest version of every rule set, by id. */
  async list(): Promise<readonly PublishedRuleSet[]> {
    return (await this.publications.latestOfEach()).map((data) => this.remember(data)).sort((a, b) => a.ruleSetId.localeCompare(b.ruleSetId));
  }

  /** The latest version of the rule set published for a pathway; NotFoundError when there is none. */
  async forPathway(pathwayId: string): Promise<PublishedRuleSet> {
    const found = (await this.list()).filter((r) => r.pathwayId === pathwayId);
    if (found.length === 0) throw new NotFoundError(`No rule set is published for pathway ${pathwayId}`);
    // A pathway names one rule set; the pathway's default wins when a designer published more than one.
    return found.find((r) => r.ruleSetId === `${pathwayId}-default`) ?? found[0]!;
  }

  private remember(data: RuleSetPublished['data']): PublishedRuleSet {
    const key = `${data.ruleSetId}@${data.version}`;
    const known = this.versions.get(key);
    if (known) return known;
    const published: PublishedRuleSet = { ...data, ruleSet: ruleSetFromDocument(data.document, data.version, data.contentHash) };
    this.versions.set(key, published);
    return published;
  }
}
