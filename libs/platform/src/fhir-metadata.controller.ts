import { Controller, Get, Inject, Req, Res, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { Public } from '@varde/auth';
import { capabilityStatement, fhirBaseUrl, fhirRoutesOf, negotiateFhirFormat, type CapabilityOptions, type FhirRoute, type RequestHeaders } from '@varde/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PLATFORM_CONFIG } from './tokens';
import type { PlatformConfig } from './platform-config';

/** What a service declares about its FHIR edge beside its routes (see `capabilityStatement` in @varde/fhir). */
export type FhirMetadataOptions = Readonly<
  Pick<CapabilityOptions, 'searchParams' | 'conditionalCreate' | 'versionedUpdate' | 'updateCreate' | 'supportedProfiles'> & {
    software: string;
    /**
     * Whether this service answers the public `GET [base]/metadata` (the router sends it here): it then adds the
     * resources every peer (`OPENAPI_PEERS`, the other services) describes at its own `/fhir/metadata`, so the
     * one statement covers the whole FHIR base.
     */
    mergePeers?: boolean;
  }
>;

const PEER_TIMEOUT_MS = 2_000;

/** The resources a peer's own CapabilityStatement lists; undefined when it could not be asked (try again later). */
async function peerResources(peer: string): Promise<readonly CapabilityStatementRestResource[] | undefined> {
  try {
    const response = await fetch(`${peer.replace(/\/$/, '')}/fhir/metadata`, { signal: AbortSignal.timeout(PEER_TIMEOUT_MS) });
    if (response.status === 404) return [];
    if (!response.ok) return undefined;
    const statement = (await response.json()) as CapabilityStatement;
    return statement.resourceType === 'CapabilityStatement' ? (statement.rest?.[0]?.resource ?? []) : [];
  } catch {
    return undefined;
  }
}

/**
 * The controller of `GET /fhir/metadata`: an R4 CapabilityStatement generated from the routes the service's
 * controllers register, so it cannot drift from the code. Public, as R4 expects: clients read it before they
 * authenticate.
 */
export function fhirMetadataController(options: FhirMetadataOptions): Type<unknown> {
  @Controller('fhir')
  class FhirMetadataHttpController {
    private readonly started = new Date().toISOString();
    private routes: readonly FhirRoute[] | undefined;
    private peers: readonly CapabilityStatementRestResource[] | undefined;

    constructor(
      @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
      @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    ) {}

    /**
     * The FHIR R4 CapabilityStatement: the resources, interactions, search parameters and operations this server
     * serves, generated from its routes, and the OAuth2 token endpoint. Public, as R4 expects.
     */
    @Get('metadata')
    @Public()
    async metadata(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CapabilityStatement> {
      const format = (request.query as Record<string, unknown> | undefined)?.['_format'];
      void reply.header('content-type', negotiateFhirFormat(typeof format === 'string' ? format : undefined, request.headers['accept']));
      this.routes ??= fhirRoutesOf(this.discovery);
      const own = capabilityStatement({
        ...options,
        baseUrl: fhirBaseUrl(request.headers as RequestHeaders, request.protocol),
        software: { name: options.software, version: '0.1.0' },
        routes: this.routes,
        tokenUrl: `${this.config.auth.issuer.replace(/\/$/, '')}/token`,
        date: this.started,
      });
      if (!options.mergePeers) return own;
      const peers = this.peers ?? (await this.askPeers());
      const rest = own.rest![0]!;
      const resources = [...(rest.resource ?? []), ...peers.filter((p) => !rest.resource?.some((r) => r.type === p.type))].sort((a, b) => a.type.localeCompare(b.type));
      return { ...own, software: { name: 'Varde', version: '0.1.0' }, rest: [{ ...rest, resource: resources }] };
    }

    /** Every peer's resources; kept once all peers answered, asked again next time otherwise. */
    private async askPeers(): Promise<readonly CapabilityStatementRestResource[]> {
      const answers = await Promise.all(this.config.openApiPeers.map(peerResources));
      const resources = answers.flatMap((a) => a ?? []);
      if (answers.every((a) => a !== undefined)) this.peers = resources;
      return resources;
    }
  }
  return FhirMetadataHttpController;
}
