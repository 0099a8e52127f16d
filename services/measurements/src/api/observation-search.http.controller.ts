import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { preferHandling, searchset } from '@varde/fhir';
import { commandMetadataFrom, fhirBaseOf, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MeasurementReader } from '../application/measurement.reader';
import { LogicalSubjects } from './logical-subject';
import { codeParam, onlyParams, pageQuery, patientParam, searchParams, subsetted, type RawQuery } from './measurement-query.params';
import { observationFromView } from './observation.resource';

/** FHIR searches of Observations, one patient at a time; every answer is written to the patient's access log. */
@Controller('fhir/Observation')
export class ObservationSearchHttpController {
  constructor(
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
    @Inject(LogicalSubjects) private readonly subjects: LogicalSubjects,
  ) {}

  /**
   * `GET /fhir/Observation?patient=&code=&category=&identifier=&date=ge…&_lastUpdated=…&_count=&_sort=&_elements=`:
   * a searchset Bundle with `total` and absolute `self`/`next` links (`_summary=count`: the total alone). The
   * patient may be named by national identity number (`subject:identifier=`); one no enrolled patient has
   * matches nothing.
   */
  @Get()
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: { query: 'patient' } })
  async search(@Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const parsed = searchParams(query, preferHandling(headers['prefer'] as string | undefined));
    const { subject, elements, countOnly, query: _used, ...filters } = parsed;
    const self = `Observation?${pageQuery(parsed, filters.after)}`;
    const patientId = 'patientId' in subject ? subject.patientId : await this.subjects.patientOf(principal, subject.identifier, 'subject:identifier');
    if (patientId === undefined) return searchset(fhirBaseOf(request), [], 0, [{ relation: 'self', query: self }], countOnly);
    const page = await this.reader.search({ ...filters, patientId }, self, { principal, request: commandMetadataFrom(principal, headers) });
    const links = [{ relation: 'self', query: self }];
    if (page.next) links.push({ relation: 'next', query: `Observation?${pageQuery(parsed, page.next)}` });
    return searchset(fhirBaseOf(request), page.views.map((view) => subsetted(observationFromView(view), elements)), page.total, links, countOnly);
  }

  /**
   * `GET /fhir/Observation/$lastn?patient=&code=&max=`: the latest `max` (default 1, at most 100) Observations per
   * code, of the codes given (comma-separated) or all; entered-in-error ones left out.
   */
  @Get('$lastn')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: { query: 'patient' } })
  async lastn(@Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    onlyParams(query, ['patient', 'code', 'max', '_format']);
    const patientId = patientParam(query['patient'] as string | undefined, 'patient');
    const codes = ((query['code'] as string | undefined)?.split(',') ?? []).map((c) => codeParam(c, 'code')!);
    const maxText = (query['max'] as string | undefined) ?? '1';
    if (!/^\d{1,3}$/.test(maxText) || Number(maxText) < 1 || Number(maxText) > 100) throw ValidationError.field('max', 'expected a whole number from 1 to 100 (Observations per code)');
    const self = request.url.replace(/^\/fhir\//, '');
    const views = await this.reader.lastPerCode(patientId, codes, Number(maxText), self, { principal, request: commandMetadataFrom(principal, headers) });
    return searchset(fhirBaseOf(request), views.map(observationFromView), views.length, [{ relation: 'self', query: self }]);
  }
}
