import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, fhirBaseOf, fhirVersionHeaders, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import type { Resource } from '@medplum/fhirtypes';
import { definitionImportOf, PathwayDefinitions, type DefinitionEntry } from '../application/pathway-definitions.service';
import { assertSearchParameters, searchset } from './fhir-search';

type Json = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const header = (headers: MetadataHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** A definition entry as the PlanDefinition resource it was authored as, with the id, version, status and content hash Varde gave it. */
export function planDefinitionResource(entry: DefinitionEntry): Json {
  const plan = entry.resources.find((r) => r['resourceType'] === 'PlanDefinition') ?? {};
  return {
    ...plan,
    id: entry.id,
    status: entry.status,
    ...(entry.version !== undefined ? { version: String(entry.version), meta: { versionId: String(entry.version), tag: [{ system: 'https://varde.no/fhir/content-hash', code: entry.contentHash }] } } : {}),
  };
}

/** A definition with its `ETag` (a published version's number) for the client. */
const versioned = (reply: FastifyReply, resource: Json): Json => fhirVersionHeaders(reply, resource as unknown as Resource) as unknown as Json;

/**
 * Pathway definitions as FHIR PlanDefinition (clinical-protocol) with ActivityDefinitions: authored by pathway
 * designers as drafts, published in immutable content-hashed versions, retired; a transaction Bundle with the
 * PlanDefinition, its ActivityDefinitions and Questionnaires imports in one call.
 */
@Controller('fhir/PlanDefinition')
export class PlanDefinitionsFhirController {
  constructor(@Inject(PathwayDefinitions) private readonly definitions: PathwayDefinitions) {}

  /** A PlanDefinition (its ActivityDefinitions contained): `status` draft saves a draft, active publishes. */
  @Post()
  @Roles('pathway-designer')
  @Access('definitions', 'write')
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    if (!isObject(body) || body['resourceType'] !== 'PlanDefinition') throw ValidationError.field('resourceType', 'expected a PlanDefinition (a Bundle goes to POST /fhir/PlanDefinition/$import)');
    const entry = await this.definitions.import({ planDefinition: body, activityDefinitions: [], questionnaires: [] }, commandMetadataFrom(principal, headers), header(headers, 'authorization'));
    void reply.header('location', `${fhirBaseOf(request)}/PlanDefinition/${entry.id}${entry.version !== undefined ? `/_history/${entry.version}` : ''}`);
    return versioned(reply, planDefinitionResource(entry));
  }

  /** A transaction Bundle: one PlanDefinition with the ActivityDefinitions and Questionnaires it uses, all or nothing. */
  @Post('$import')
  @Roles('pathway-designer')
  @Access('definitions', 'write')
  @HttpCode(200)
  async importBundle(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    if (!isObject(body) || body['resourceType'] !== 'Bundle' || body['type'] !== 'transaction') throw ValidationError.field('Bundle.type', 'expected a Bundle of type "transaction"');
    const resources = (Array.isArray(body['entry']) ? body['entry'] : []).map((e: unknown) => (isObject(e) && isObject(e['resource']) ? e['resource'] : undefined));
    const bad = resources.findIndex((r) => !r || !['PlanDefinition', 'ActivityDefinition', 'Questionnaire'].includes(String(r['resourceType'])));
    if (bad >= 0) throw ValidationError.field(`Bundle.entry[${bad}].resource`, 'expected a PlanDefinition, ActivityDefinition or Questionnaire');
    const plans = (resources as Json[]).filter((r) => r['resourceType'] === 'PlanDefinition');
    if (plans.length !== 1) throw ValidationError.field('Bundle.entry', `expected exactly one PlanDefinition; got ${plans.length}`);
    const entry = await this.definitions.import(definitionImportOf(resources as Json[]), commandMetadataFrom(principal, headers), header(headers, 'authorization'));
    return {
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: (resources as Json[]).map((r) => ({
        response: { status: '201 Created', ...(r['resourceType'] === 'PlanDefinition' ? { location: `PlanDefinition/${entry.id}`, etag: `W/"${entry.version ?? 'draft'}"` } : {}) },
        ...(r['resourceType'] === 'PlanDefinition' ? { resource: planDefinitionResource(entry) } : {}),
      })),
    };
  }

  /** `?url=&status=`: a searchset Bundle of the matching definitions. */
  @Get()
  @Roles('pathway-designer', 'clinician', 'auditor', 'system')
  @Access('definitions', 'read')
  async search(@Query() query: Record<string, string | string[] | undefined>, @Headers() headers: MetadataHeaders, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const single = (name: string): string | undefined => {
      const value = query[name];
      if (Array.isArray(value)) throw ValidationError.field(name, 'expected one value');
      return value;
    };
    const status = single('status');
    if (status !== undefined && !['draft', 'active', 'retired'].includes(status)) throw ValidationError.field('status', 'expected draft, active or retired');
    assertSearchParameters(query, ['url', 'status'], headers);
    const url = single('url');
    const found = await this.definitions.search({ ...(url !== undefined ? { url } : {}), ...(status !== undefined ? { status } : {}) });
    return searchset(headers, 'PlanDefinition', query, found.map(planDefinitionResource));
  }

  /** One definition: "<pathway>-<version>" or "<pathway>-draft". */
  @Get(':id')
  @Roles('pathway-designer', 'clinician', 'auditor', 'system')
  @Access('definitions', 'read')
  async read(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    return versioned(reply, planDefinitionResource(await this.definitions.byId(id)));
  }

  /** Publishes a draft as the next version. */
  @Post(':id/$publish')
  @Roles('pathway-designer')
  @Access('definitions', 'write')
  @HttpCode(200)
  async publish(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    return planDefinitionResource(await this.definitions.publishDraft(id, commandMetadataFrom(principal, headers), header(headers, 'authorization')));
  }

  /** Retires a published version: no new enrolments on it. */
  @Post(':id/$retire')
  @Roles('pathway-designer')
  @Access('definitions', 'write')
  @HttpCode(200)
  async retire(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    return planDefinitionResource(await this.definitions.retire(id, commandMetadataFrom(principal, headers)));
  }
}
