import type { Organization } from '@medplum/fhirtypes';
import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { Access } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { assertKnownParams, foldForSearch, linkQuery, oneParam, preferHandling, searchset } from '@varde/fhir';
import { fhirBaseOf, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OrganisationDirectory, type KnownOrganisation, type OrganisationKind } from '../application/organisation-directory.port';
import { ORGANISATION_SYSTEM } from './consent.resource';

/** The code system of an organisation's kind as sharing sees it (a receiver of shared data, or another unit). */
export const ORGANISATION_KIND_SYSTEM = 'https://varde.no/fhir/CodeSystem/organisation-kind';
const KINDS: readonly OrganisationKind[] = ['municipality', 'gp', 'health-trust', 'organization'];

/** The search parameters `GET /fhir/Organization` takes (the CapabilityStatement lists the same). */
export const ORGANIZATION_SEARCH_PARAMS = [
  { name: 'name', type: 'string' as const, documentation: 'Starts the name (case and accents ignored); name:contains anywhere in it' },
  { name: 'identifier', type: 'token' as const, documentation: `${ORGANISATION_SYSTEM}|<organisation number>, or the number alone` },
  { name: 'type', type: 'token' as const, documentation: `${ORGANISATION_KIND_SYSTEM}|<kind>: ${KINDS.join(', ')} (comma-separated for several)` },
  { name: '_count', type: 'number' as const, documentation: '1–100, default 20' },
];
const KNOWN = new Set([...ORGANIZATION_SEARCH_PARAMS.map((p) => p.name), 'name:contains']);

/** A registered organisation as an R4 Organization. */
export function organizationResource(o: KnownOrganisation): Organization {
  return {
    resourceType: 'Organization',
    id: o.organisationNumber,
    active: true,
    identifier: [{ system: ORGANISATION_SYSTEM, value: o.organisationNumber }],
    type: [{ coding: [{ system: ORGANISATION_KIND_SYSTEM, code: o.kind }] }],
    name: o.name,
  };
}

/**
 * FHIR Organization: the organisations this trust shares with or lets patients block (its organisation directory),
 * so a patient chooses a municipality or a GP office by name rather than by its organisation number. No patient's
 * data: any signed-in user may search it.
 */
@Controller('fhir/Organization')
export class OrganizationsHttpController {
  constructor(@Inject(OrganisationDirectory) private readonly directory: OrganisationDirectory) {}

  /** `GET /fhir/Organization?name=&name:contains=&identifier=&type=&_count=` — a searchset, by name. */
  @Get()
  @Access('definitions', 'read')
  search(@Query() query: Record<string, string | string[]>, @Headers() headers: MetadataHeaders, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    assertKnownParams(query, KNOWN, preferHandling(headers['prefer'] as string | undefined));
    const name = oneParam(query, 'name');
    const contains = oneParam(query, 'name:contains');
    const identifier = oneParam(query, 'identifier');
    const type = oneParam(query, 'type');
    const countText = oneParam(query, '_count') ?? '20';
    if (!/^\d{1,3}$/.test(countText) || Number(countText) < 1 || Number(countText) > 100) throw ValidationError.field('_count', 'expected a whole number from 1 to 100');
    for (const [field, value] of [['name', name], ['name:contains', contains]] as const) {
      if (value !== undefined && (value.trim() === '' || value.length > 100)) throw ValidationError.field(field, 'expected 1–100 characters of a name');
    }
    const number = identifier === undefined ? undefined : identifier.includes('|') ? identifier.split('|') : [ORGANISATION_SYSTEM, identifier];
    if (number && (number.length !== 2 || number[0] !== ORGANISATION_SYSTEM || !/^\d{9}$/.test(number[1]!))) throw ValidationError.field('identifier', `expected ${ORGANISATION_SYSTEM}|<9-digit organisation number>`);
    const kinds = type?.split(',').map((t) => (t.includes('|') ? t.split('|') : [ORGANISATION_KIND_SYSTEM, t]));
    if (kinds?.some(([system, code]) => system !== ORGANISATION_KIND_SYSTEM || !KINDS.includes(code as OrganisationKind))) throw ValidationError.field('type', `expected ${KINDS.join(', ')} (system ${ORGANISATION_KIND_SYSTEM})`);
    const matches = this.directory.all().filter((o) => {
      const text = foldForSearch(o.name);
      if (name !== undefined && !text.startsWith(foldForSearch(name.trim()))) return false;
      if (contains !== undefined && !text.includes(foldForSearch(contains.trim()))) return false;
      if (number && o.organisationNumber !== number[1]) return false;
      return !kinds || kinds.some(([, code]) => code === o.kind);
    });
    const count = Number(countText);
    return searchset(fhirBaseOf(request), matches.slice(0, count).map(organizationResource), matches.length, [{ relation: 'self', query: `Organization?${linkQuery(query, KNOWN, { _count: count })}` }]);
  }
}
