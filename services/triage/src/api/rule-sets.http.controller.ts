import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { lineNestingDeeperThan, nestsDeeperThan, ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { parseRuleSet, RULE_SET_SCHEMA, toIssue } from '../application/rule-set.parser';
import { RuleSetRegistry, type PublishedRuleSet } from '../application/rule-set.registry';

/** How deep a rule set document may nest: the shipped ones nest 6 levels. */
const MAX_DOCUMENT_DEPTH = 20;
/** The same bound on a text, counted as indentation columns plus open brackets (see lineNestingDeeperThan). */
const MAX_TEXT_DEPTH = 64;

/**
 * A rule set text from the body: YAML or JSON as sent (exact lines), or a JSON body re-serialised. A body
 * nested deeper than any rule set is refused before parsing: the YAML parser and JSON.stringify recurse.
 */
export function ruleSetText(body: unknown, field = 'body'): string {
  const tooDeep = (where: string) => ValidationError.field(field, `nested deeper than ${MAX_DOCUMENT_DEPTH} levels${where}; a rule set never is`);
  if (typeof body === 'string' && body.trim() !== '') {
    const line = lineNestingDeeperThan(body, MAX_TEXT_DEPTH);
    if (line !== undefined) throw tooDeep(` (line ${line})`);
    return body;
  }
  if (body !== null && typeof body === 'object') {
    if (nestsDeeperThan(body, MAX_DOCUMENT_DEPTH)) throw tooDeep('');
    return JSON.stringify(body, null, 2);
  }
  throw ValidationError.field(field, 'required: a rule set in YAML (application/yaml) or JSON');
}

const summary = (r: PublishedRuleSet) => ({ id: r.ruleSetId, version: r.version, contentHash: r.contentHash, pathwayId: r.pathwayId, title: r.title, publishedBy: r.publishedBy, publishedAt: r.publishedAt });
const full = (r: PublishedRuleSet) => ({ ...summary(r), document: r.document, source: r.source });

/**
 * Triage rule sets as data: authored in YAML or JSON against a JSON Schema, checked on publish, versioned with
 * a content hash and never changed once published.
 */
@Controller('api/rule-sets')
export class RuleSetsHttpController {
  constructor(@Inject(RuleSetRegistry) private readonly registry: RuleSetRegistry) {}

  /** `200 {ruleSets: [...]}`: the latest version of every rule set. */
  @Get()
  @Roles('pathway-designer', 'clinician', 'auditor')
  @Access('definitions', 'read')
  async list() {
    return { ruleSets: (await this.registry.list()).map(summary) };
  }

  /** `200` the JSON Schema rule sets are written against. */
  @Get('schema')
  @Roles('pathway-designer', 'clinician', 'auditor')
  @Access('definitions', 'read')
  schema() {
    return RULE_SET_SCHEMA;
  }

  /** `200 {valid, problems: [{field, line, column, message}]}`; publishes nothing. */
  @Post('validate')
  @HttpCode(200)
  @Roles('pathway-designer', 'clinician')
  @Access('definitions', 'read')
  validate(@Body() body: unknown) {
    const parsed = parseRuleSet(ruleSetText(body));
    return parsed.ok ? { valid: true, problems: [], id: parsed.ruleSet.document.id, contentHash: parsed.ruleSet.contentHash } : { valid: false, problems: parsed.problems.map(toIssue) };
  }

  /**
   * Publishes the rule set in the body as its next version: `201` with the new version; `200` with the latest
   * version when it already has this content; `400` listing every problem with its line and column.
   */
  @Post()
  @Roles('pathway-designer')
  @Access('definitions', 'write')
  async publish(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { version, published } = await this.registry.publish(ruleSetText(body), commandMetadataFrom(principal, headers));
    reply.status(published ? 201 : 200);
    return full(version);
  }

  /** `200` the latest version with the list of all versions; 404 when never published. */
  @Get(':ruleSetId')
  @Roles('pathway-designer', 'clinician', 'auditor')
  @Access('definitions', 'read')
  async get(@Param('ruleSetId') ruleSetId: string) {
    const history = await this.registry.history(ruleSetId);
    const latest = history[history.length - 1];
    if (!latest) return full(await this.registry.latest(ruleSetId));
    return { ...full(latest), versions: history.map(summary) };
  }

  /** `200` one published version, as published; 404 when there is no such version. */
  @Get(':ruleSetId/versions/:version')
  @Roles('pathway-designer', 'clinician', 'auditor')
  @Access('definitions', 'read')
  async version(@Param('ruleSetId') ruleSetId: string, @Param('version') version: string) {
    if (!/^[1-9]\d{0,8}$/.test(version)) throw ValidationError.field('version', 'expected a version number (1, 2, …)');
    return full(await this.registry.version(ruleSetId, Number(version)));
  }
}
