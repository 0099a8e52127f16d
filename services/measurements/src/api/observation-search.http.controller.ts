import { Controller, Get, Headers, Inject, Query, Req } from '@nestjs/common';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyRequest } from 'fastify';
import { MeasurementReader } from '../application/measurement.reader';
import { codeParam, patientParam, searchParams, searchQueryString, type RawQuery } from './measurement-query.params';
import { observationFromView } from './observation.resource';

const searchset = (observations: readonly Observation[], total: number, links: Bundle['link']): Bundle<Observation> => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total,
  link: links,
  entry: observations.map((resource) => ({ fullUrl: `Observation/${resource.id}`, resource, search: { mode: 'match' } })),
});

/** FHIR searches of Observations, one patient at a time; every answer is written to the patient's access log. */
@Controller('fhir/Observation')
export class ObservationSearchHttpController {
  constructor(@Inject(MeasurementReader) private readonly reader: MeasurementReader) {}

  /** `GET /fhir/Observation?patient=&code=&date=ge…&date=le…&_count=&_sort=`: a searchset Bundle with `total` and `self`/`next` links. */
  @Get()
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  async search(@Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const search = searchParams(query);
    const self = `Observation?${searchQueryString(search, search.after)}`;
    const page = await this.reader.search(search, self, { principal, request: commandMetadataFrom(principal, headers) });
    const links: Bundle['link'] = [{ relation: 'self', url: self }];
    if (page.next) links.push({ relation: 'next', url: `Observation?${searchQueryString(search, page.next)}` });
    return searchset(page.views.map(observationFromView), page.total, links);
  }

  /** `GET /fhir/Observation/$lastn?patient=&code=`: the latest Observation per code (entered-in-error ones left out). */
  @Get('$lastn')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  async lastn(@Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    const unknown = Object.keys(query).filter((name) => name !== 'patient' && name !== 'code' && !(name === 'max' && query[name] === '1'));
    if (unknown.length > 0) throw new ValidationError(unknown.map((name) => ({ field: name, message: 'supported: patient, code (and max=1)' })));
    if (Array.isArray(query['patient']) || Array.isArray(query['code'])) throw ValidationError.field(Array.isArray(query['patient']) ? 'patient' : 'code', 'expected once');
    const patientId = patientParam(query['patient'] as string | undefined, 'patient');
    const code = codeParam(query['code'] as string | undefined, 'code');
    const views = await this.reader.lastPerCode(patientId, code, request.url.replace(/^\/fhir\//, ''), { principal, request: commandMetadataFrom(principal, headers) });
    return searchset(views.map(observationFromView), views.length, [{ relation: 'self', url: request.url.replace(/^\/fhir\//, '') }]);
  }
}
