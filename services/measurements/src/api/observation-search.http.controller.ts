import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { preferHandling } from '@varde/fhir';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MeasurementReader } from '../application/measurement.reader';
import { baseOf, negotiate, searchset } from './fhir-responses';
import { codeParam, patientParam, searchParams, searchQueryString, type RawQuery } from './measurement-query.params';
import { observationFromView } from './observation.resource';

/** FHIR searches of Observations, one patient at a time; every answer is written to the patient's access log. */
@Controller('fhir/Observation')
export class ObservationSearchHttpController {
  constructor(@Inject(MeasurementReader) private readonly reader: MeasurementReader) {}

  /**
   * `GET /fhir/Observation?patient=&code=&date=ge…&date=le…&_count=&_sort=`: a searchset Bundle with `total` and
   * absolute `self`/`next` links (`_summary=count`: the total alone).
   */
  @Get()
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: { query: 'patient' } })
  async search(@Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiate(request, reply);
    const search = searchParams(query, preferHandling(headers['prefer'] as string | undefined));
    const self = `Observation?${searchQueryString(search, search.after)}`;
    const page = await this.reader.search(search, self, { principal, request: commandMetadataFrom(principal, headers) });
    const links = [{ relation: 'self', query: self }];
    if (page.next) links.push({ relation: 'next', query: `Observation?${searchQueryString(search, page.next)}` });
    return searchset(baseOf(request), page.views.map(observationFromView), page.total, links, query['_summary'] === 'count');
  }

  /** `GET /fhir/Observation/$lastn?patient=&code=`: the latest Observation per code (entered-in-error ones left out). */
  @Get('$lastn')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: { query: 'patient' } })
  async lastn(@Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiate(request, reply);
    const unknown = Object.keys(query).filter((name) => name !== 'patient' && name !== 'code' && name !== '_format' && !(name === 'max' && query[name] === '1'));
    if (unknown.length > 0) throw new ValidationError(unknown.map((name) => ({ field: name, message: 'supported: patient, code (and max=1)' })));
    if (Array.isArray(query['patient']) || Array.isArray(query['code'])) throw ValidationError.field(Array.isArray(query['patient']) ? 'patient' : 'code', 'expected once');
    const patientId = patientParam(query['patient'] as string | undefined, 'patient');
    const code = codeParam(query['code'] as string | undefined, 'code');
    const views = await this.reader.lastPerCode(patientId, code, request.url.replace(/^\/fhir\//, ''), { principal, request: commandMetadataFrom(principal, headers) });
    return searchset(baseOf(request), views.map(observationFromView), views.length, [{ relation: 'self', query: request.url.replace(/^\/fhir\//, '') }]);
  }
}
