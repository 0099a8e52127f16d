import { Body, Controller, Headers, Inject, Param, Put, Req, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ifMatchVersion } from '@varde/fhir';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CorrectMeasurementHandler } from '../application/correct-measurement.handler';
import { MeasurementQuery } from '../application/measurement.query';
import { ObservationCorrections } from './observation-corrections';
import { negotiate, written } from './fhir-responses';
import { observationFromView } from './observation.resource';

/** Corrections of recorded Observations: amend the value, or mark entered-in-error, always with a reason. */
@Controller('fhir/Observation')
export class ObservationCorrectionsHttpController {
  constructor(
    @Inject(ObservationCorrections) private readonly corrections: ObservationCorrections,
    @Inject(CorrectMeasurementHandler) private readonly correct: CorrectMeasurementHandler,
    @Inject(MeasurementQuery) private readonly measurements: MeasurementQuery,
  ) {}

  /**
   * `PUT /fhir/Observation/:id` with `status` `amended` (and the right `valueQuantity`) or `entered-in-error`,
   * the reason in `note[0].text` (or `X-Correction-Reason`): `200` with the Observation as it now reads.
   * Clinicians may correct the measurements of their care teams' patients; a patient only their own typed-in
   * ones. Refusals are `409`. With `If-Match: W/"<version>"`, a measurement at another version is a `412` and
   * nothing is written. Answers carry `ETag`, `Last-Modified` and `Location`, and follow `Prefer: return=`.
   */
  @Put(':id')
  @Roles('clinician', 'patient')
  @Access('measurements', 'write', { patient: 'resource' })
  async put(@Param('id') id: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() httpRequest: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiate(httpRequest, reply);
    const reasonHeader = headers['x-correction-reason'];
    const correction = await this.corrections.prepare(id, body, principal, ifMatchVersion(headers['if-match']), Array.isArray(reasonHeader) ? reasonHeader[0] : reasonHeader);
    try {
      await this.correct.handle(id, correction.request, commandMetadataFrom(principal, headers), correction.expectedVersion);
    } catch (error) {
      throw await this.corrections.refusalOf(error, correction);
    }
    return written(httpRequest, reply, observationFromView((await this.measurements.current(id))!));
  }
}
