import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { canonicalJson, IllegalStateError, NotFoundError, ValidationError, type CommandMetadata, type FieldIssue } from '@varde/core';
import type { PathwayVersion } from '../domain/pathway-definition';
import type { DefinitionHistory, PathwayDefinitionsState, PublishedVersion } from '../domain/pathway-definitions.decide';
import { PathwayDefinitionStore, RuleSetDirectory } from './pathway-definitions.port';
import { PathwayDirectory, type PathwayReference } from './pathway-directory.port';
import { parsePlanDefinition } from './plan-definition.parser';

type Json = Readonly<Record<string, unknown>>;

/** What one import brings: a PlanDefinition with the ActivityDefinitions and Questionnaires it uses. */
export type DefinitionImport = Readonly<{ planDefinition: Json; activityDefinitions: readonly Json[]; questionnaires: readonly Json[] }>;

/** A definition's resources (as a Bundle brings them, or as stored) by kind: its PlanDefinition, ActivityDefinitions and Questionnaires. */
export function definitionImportOf(resources: readonly Json[]): DefinitionImport {
  return {
    planDefinition: resources.find((r) => r['resourceType'] === 'PlanDefinition')!,
    activityDefinitions: resources.filter((r) => r['resourceType'] === 'ActivityDefinition'),
    questionnaires: resources.filter((r) => r['resourceType'] === 'Questionnaire'),
  };
}

/** A definition as the FHIR edge shows it: a draft, or a published version with its status and hash. */
export type DefinitionEntry = Readonly<{ id: string; url: string; pathwayId: string; status: 'draft' | 'active' | 'retired'; version?: number; contentHash?: string; resources: readonly Json[] }>;

/** Questionnaires every pathway may name without bringing them: those forms ships (services/forms/questionnaires). */
const FORMS_QUESTIONNAIRES = ['cat', 'phq-9', 'gad-7', 'mmrc', 'pre-visit', 'dho-prem'].map((id) => `https://varde.no/fhir/Questionnaire/${id}|1`);

/** The content hash of a definition: what it says, not the version, status, id or meta it was sent with. */
export function contentHashOf(resources: readonly Json[]): string {
  const content = resources.map(({ id: _id, meta: _meta, version: _version, status: _status, ...rest }) => rest);
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** The FHIR id of a definition entry: "<pathway>-<version>", or "<pathway>-draft". */
export const definitionId = (pathwayId: string, version?: number): string => `${pathwayId}-${version ?? 'draft'}`;

function entriesOf(history: DefinitionHistory): DefinitionEntry[] {
  const published = history.versions.map((v): DefinitionEntry => ({ id: definitionId(history.pathwayId, v.version), url: history.url, pathwayId: history.pathwayId, status: v.status, version: v.version, contentHash: v.contentHash, resources: v.resources as Json[] }));
  return history.draft ? [...published, { id: definitionId(history.pathwayId), url: history.url, pathwayId: history.pathwayId, status: 'draft', resources: history.draft.resources as Json[] }] : published;
}

/**
 * Pathway definitions as data: import (draft or publish) with every reference checked, publish a draft, retire a
 * version, search; and, as the {@link PathwayDirectory}, the active version an enrolment names.
 */
@Injectable()
export class PathwayDefinitions extends PathwayDirectory {
  constructor(
    @Inject(PathwayDefinitionStore) private readonly store: PathwayDefinitionStore,
    @Inject(RuleSetDirectory) private readonly ruleSets: RuleSetDirectory,
  ) {
    super();
  }

  /**
   * Checks and stores a definition: as a draft (`status: draft`) or a published version (`active`). The
   * questionnaires its activities name must be in the import, in an earlier published import, or forms' own; the
   * rule set must exist in triage (asked with the caller's `authorization`; skipped for the shipped definitions, `trusted`).
   */
  async import(input: DefinitionImport, metadata: CommandMetadata, authorization: string | undefined, trusted = false): Promise<DefinitionEntry> {
    const parsed = parsePlanDefinition(input.planDefinition, input.activityDefinitions);
    if (parsed.status === 'retired') throw ValidationError.field('PlanDefinition.status', 'expected "draft" or "active"; retire a published version with POST /fhir/PlanDefinition/{id}/$retire');
    const state = await this.store.load();
    const issues: FieldIssue[] = [];
    const known = new Set([...FORMS_QUESTIONNAIRES, ...knownQuestionnaires(state), ...input.questionnaires.map((q) => `${String(q['url'])}|${String(q['version'])}`)]);
    for (const activity of parsed.definition.activities) {
      if (activity.questionnaire && !known.has(activity.questionnaire)) {
        issues.push({ field: `ActivityDefinition(${activity.id}).extension(sdc-questionnaire)`, message: `questionnaire ${activity.questionnaire} does not exist: bring it in the Bundle, or name one already published` });
      }
    }
    if (!trusted && !(await this.ruleSets.exists(parsed.definition.ruleSet.id, authorization))) {
      issues.push({ field: 'PlanDefinition.extension(pathway-rule-set)', message: `rule set "${parsed.definition.ruleSet.id}" does not exist in triage (publish it with POST /api/rule-sets first)` });
    }
    if (issues.length > 0) throw new ValidationError(issues);
    const resources = [input.planDefinition, ...input.activityDefinitions, ...input.questionnaires];
    const url = parsed.url;
    if (parsed.status === 'draft') {
      const after = await this.store.handle({ type: 'SavePathwayDraft', data: { url, pathwayId: parsed.definition.id, resources } }, metadata);
      return entriesOf(after.byUrl[url]!).find((e) => e.status === 'draft')!;
    }
    const after = await this.store.handle(
      { type: 'PublishPathway', data: { url, ...(parsed.version ? { version: parsed.version } : {}), contentHash: contentHashOf(resources), definition: parsed.definition, resources } },
      metadata,
    );
    return entriesOf(after.byUrl[url]!).filter((e) => e.status !== 'draft').at(-1)!;
  }

  /** Publishes the draft of the definition `id` ("<pathway>-draft") as its next version. */
  async publishDraft(id: string, metadata: CommandMetadata, authorization: string | undefined): Promise<DefinitionEntry> {
    const entry = await this.byId(id);
    if (entry.status !== 'draft') throw new IllegalStateError(`${id} is version ${entry.version}, already published (${entry.contentHash}); published versions never change`);
    const draft = definitionImportOf(entry.resources);
    return this.import({ ...draft, planDefinition: { ...draft.planDefinition, status: 'active' } }, metadata, authorization);
  }

  /** Retires the published version `id` ("<pathway>-<version>"). */
  async retire(id: string, metadata: CommandMetadata): Promise<DefinitionEntry> {
    const entry = await this.byId(id);
    if (entry.version === undefined) throw new IllegalStateError(`${id} is a draft: only a published version can be retired`);
    const after = await this.store.handle({ type: 'RetirePathway', data: { url: entry.url, version: entry.version } }, metadata);
    return entriesOf(after.byUrl[entry.url]!).find((e) => e.id === id)!;
  }

  /** Definitions matching `url` and `status` (each optional). */
  async search(filter: Readonly<{ url?: string; status?: string }>): Promise<DefinitionEntry[]> {
    const state = await this.store.load();
    return Object.values(state.byUrl)
      .filter((h) => filter.url === undefined || h.url === filter.url)
      .flatMap(entriesOf)
      .filter((e) => filter.status === undefined || e.status === filter.status);
  }

  /** One definition by FHIR id. */
  async byId(id: string): Promise<DefinitionEntry> {
    const found = (await this.search({})).find((e) => e.id === id);
    if (!found) throw new NotFoundError(`no PlanDefinition ${id}`);
    return found;
  }

  /** True when a version of this url is published (the shipped definitions are imported once, at first start). */
  async isPublished(url: string): Promise<boolean> {
    return ((await this.store.load()).byUrl[url]?.versions.length ?? 0) > 0;
  }

  /** A published version by pathway id and version, retired or not (what an enrolment on it follows); undefined when unknown. */
  async version(pathwayId: string, version: number): Promise<PathwayVersion | undefined> {
    const state = await this.store.load();
    return Object.values(state.byUrl).find((h) => h.pathwayId === pathwayId)?.versions.find((v) => v.version === version)?.definition;
  }

  override async resolve(reference: PathwayReference, field = 'pathway'): Promise<PathwayVersion> {
    const state = await this.store.load();
    const name = reference.pathway;
    const byRef = Object.values(state.byUrl).find((h) => h.pathwayId === name || h.url === name || h.url === name.split('|')[0] || h.versions.some((v) => definitionId(h.pathwayId, v.version) === name));
    if (!byRef || byRef.versions.length === 0) {
      const published = Object.values(state.byUrl).filter((h) => h.versions.some((v) => v.status === 'active')).map((h) => h.pathwayId);
      throw ValidationError.field(field, `unknown pathway "${name}"; published pathways: ${published.join(', ') || 'none'}`);
    }
    const idVersion = byRef.versions.find((v) => definitionId(byRef.pathwayId, v.version) === name)?.version;
    const urlVersion = name.includes('|') ? Number(name.split('|')[1]) : undefined;
    const wanted = reference.version ?? idVersion ?? urlVersion;
    const chosen: PublishedVersion | undefined = wanted === undefined ? byRef.versions.filter((v) => v.status === 'active').at(-1) : byRef.versions.find((v) => v.version === wanted);
    if (!chosen) throw ValidationError.field(wanted === undefined ? field : 'version', wanted === undefined ? `pathway "${byRef.pathwayId}" has no active version (all are retired)` : `pathway "${byRef.pathwayId}" has no published version ${wanted}`);
    if (chosen.status === 'retired') throw ValidationError.field('version', `version ${chosen.version} of pathway "${byRef.pathwayId}" is retired: enrol on an active version`);
    return chosen.definition;
  }
}

/** Questionnaires (`url|version`) brought with published definitions. */
function knownQuestionnaires(state: PathwayDefinitionsState): string[] {
  return Object.values(state.byUrl).flatMap((h) => h.versions.flatMap((v) => v.resources.filter((r) => r['resourceType'] === 'Questionnaire').map((q) => `${String(q['url'])}|${String(q['version'])}`)));
}
