import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { Public } from '@varde/auth';
import { capabilityStatement, fhirRoutesOf, type FhirRoute } from '@varde/fhir';
import { PLATFORM_CONFIG, type PlatformConfig } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { baseOf, negotiate } from './fhir-responses';
import { OBSERVATION_SEARCH_PARAMS } from './measurement-query.params';

/** Profiles whose Observations are known to be accepted (R4 vital signs, the Norwegian vital-signs profiles). */
const KNOWN_PROFILES = ['http://hl7.org/fhir/StructureDefinition/vitalsigns', 'http://hl7.org/fhir/StructureDefinition/bp', 'http://hl7.org/fhir/StructureDefinition/bodyweight', 'http://hl7.org/fhir/StructureDefinition/oxygensat', 'http://hl7.org/fhir/StructureDefinition/heartrate'];

/** `GET /fhir/metadata`: the CapabilityStatement, generated from the routes this service registers. */
@Controller('fhir')
export class FhirMetadataHttpController {
  private readonly started = new Date().toISOString();
  private routes: readonly FhirRoute[] | undefined;

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  /** Public, as R4 expects: clients read it before they authenticate. */
  @Get('metadata')
  @Public()
  metadata(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): CapabilityStatement {
    negotiate(request, reply);
    this.routes ??= fhirRoutesOf(this.discovery);
    return capabilityStatement({
      baseUrl: baseOf(request),
      software: { name: 'Varde measurements', version: '0.1.0' },
      routes: this.routes,
      searchParams: { Observation: OBSERVATION_SEARCH_PARAMS },
      conditionalCreate: ['Observation'],
      supportedProfiles: { Observation: KNOWN_PROFILES },
      tokenUrl: `${this.config.auth.issuer.replace(/\/$/, '')}/token`,
      date: this.started,
    });
  }
}
