import { randomUUID } from 'node:crypto';
import type { Bundle, Consent } from '@medplum/fhirtypes';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { ConcurrencyError, NotFoundError, ValidationError } from '@varde/core';
import { fhirBaseUrl, ifMatchVersion, staleVersion, versionTag } from '@varde/fhir';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { OrganisationDirectory } from '../application/organisation-directory.port';
import { PatientDataAccess } from '../application/patient-data-access';
import { RecordConsentHandler, type ConsentOutcome } from '../application/record-consent.handler';
import { Consents, type StoredConsent } from '../application/consents.port';
import { consentResource, consentTermsOf, isUuid, storedContent } from './consent.resource';
import { R4Consent } from './r4-consent';
import { sharingPaths } from './sharing-paths';

const checkedId = (id: string): string => {
  if (!isUuid(id)) throw ValidationError.field('id', 'expected a Consent id (UUID)');
  return id;
};
const resourceOf = (stored: StoredConsent): Consent => consentResource(stored.current, stored.lastUpdated);

/**
 * FHIR R4 Consent: the patient's consents to share (with municipality home care, the GP, other health trusts) and
 * blocks (sperre) against named health professionals and organisations. Given and withdrawn by the patient or a
 * guardian, or recorded by a clinician of the care team on the patient's behalf. Every change is an event and is
 * published as `varde.sharing.v1.ConsentChanged`.
 */
@Controller('fhir/Consent')
export class ConsentsHttpController {
  constructor(
    @Inject(RecordConsentHandler) private readonly record: RecordConsentHandler,
    @Inject(Consents) private readonly consents: Consents,
    @Inject(OrganisationDirectory) private readonly organisations: OrganisationDirectory,
    @Inject(PatientDataAccess) private readonly access: PatientDataAccess,
    @Inject(R4Consent) private readonly r4: R4Consent,
  ) {}

  /** `201` with the recorded Consent (version 1) and its `Location`. */
  @Post()
  @Access('consents', 'write', { patient: 'body' })
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const consent = this.r4.parse(body);
    const terms = consentTermsOf(consent, this.organisations);
    await this.access.authorise(principal, 'consents', 'write', terms.patientId);
    const consentId = randomUUID();
    const outcome = await this.record.handle({ type: 'RecordConsent', data: { consentId, terms, resource: storedContent(consent) } }, commandMetadataFrom(principal, headers)).catch(sharingPaths.rethrow);
    return this.answer(outcome, headers, reply);
  }

  /**
   * `PUT /fhir/Consent/{id}`: a new version; status `inactive` withdraws a consent that was given (lifts a block). With
   * `If-Match: W/"<version>"`, a consent at another version is a `412` and nothing is written.
   */
  @Put(':id')
  @Access('consents', 'write', { patient: 'body' })
  async update(@Param('id') id: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    checkedId(id);
    const consent = this.r4.parse(body);
    if (consent.id !== undefined && consent.id !== id) throw ValidationError.field('Consent.id', `expected "${id}", the id in the URL`);
    const terms = consentTermsOf(consent, this.organisations);
    await this.access.authorise(principal, 'consents', 'write', terms.patientId);
    const existing = await this.consents.byId(id);
    // Another patient's consent id answers as an unknown one would, so ids cannot be probed across patients.
    if (existing !== undefined && existing.current.terms.patientId !== terms.patientId) throw ValidationError.field('Consent.patient', `a consent stays with its patient; Consent/${id} is not this patient's`);
    const ifMatch = ifMatchVersion(headers['if-match']);
    const outcome = await this.record
      .handle({ type: 'ChangeConsent', data: { consentId: id, terms, resource: storedContent(consent), ...(ifMatch === undefined ? {} : { ifMatch }) } }, commandMetadataFrom(principal, headers))
      .catch(async (error: unknown) => {
        if (ifMatch === undefined || !(error instanceof ConcurrencyError)) throw sharingPaths.refusal(error);
        throw staleVersion(`Consent/${id}`, (await this.consents.byId(id))?.current.version, ifMatch);
      });
    return this.answer(outcome, headers, reply, 200);
  }

  /** `GET /fhir/Consent?patient=Patient/{id}`: a searchset of the patient's consents and blocks, any status, newest first. */
  @Get()
  @Access('consents', 'read', { patient: { query: 'patient' } })
  async search(@Query() query: Record<string, string | string[] | undefined>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<Bundle<Consent>> {
    const unknown = Object.keys(query).filter((k) => k !== 'patient' && k !== '_format');
    if (unknown.length > 0) throw ValidationError.field(unknown[0]!, 'unknown search parameter; Consent is searched by patient');
    const raw = Array.isArray(query['patient']) ? query['patient'][0] : query['patient'];
    const patientId = raw?.replace(/^Patient\//, '');
    if (patientId === undefined || !isUuid(patientId)) throw ValidationError.field('patient', 'expected Patient/<internal patient id (UUID)> or the id alone');
    const { reason } = await this.access.authorise(principal, 'consents', 'read', patientId);
    await this.access.logRead(principal, patientId, { purpose: 'consents', resource: `Consent?patient=${patientId}`, reason }, headers);
    const found = await this.consents.ofPatient(patientId);
    const base = fhirBaseUrl(headers);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: found.length,
      link: [{ relation: 'self', url: `${base}/Consent?patient=Patient/${patientId}` }],
      entry: found.map((c) => ({ fullUrl: `${base}/Consent/${c.current.consentId}`, resource: resourceOf(c), search: { mode: 'match' } })),
    };
  }

  /** `GET /fhir/Consent/{id}`: the current version. */
  @Get(':id')
  @Access('consents', 'read', { patient: 'resource' })
  async read(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const found = await this.consents.byId(checkedId(id));
    if (found === undefined) throw new NotFoundError(`Consent/${id} is not known`);
    const { reason } = await this.access.authorise(principal, 'consents', 'read', found.current.terms.patientId);
    await this.access.logRead(principal, found.current.terms.patientId, { purpose: 'consents', resource: `Consent/${id}`, reason }, headers);
    void reply.header('etag', versionTag(found.current.version));
    return resourceOf(found);
  }

  private answer(outcome: ConsentOutcome, headers: MetadataHeaders, reply: FastifyReply, status = 201) {
    const { current } = outcome.consent;
    void reply.header('location', `${fhirBaseUrl(headers)}/Consent/${current.consentId}/_history/${current.version}`);
    void reply.header('etag', versionTag(current.version));
    void reply.status(status);
    return resourceOf(outcome.consent);
  }
}
