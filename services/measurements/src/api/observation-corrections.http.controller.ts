import { Body, Controller, Headers, Inject, Param, Put, Req, Res } from '@nestjs/common';
import { Access, assertMayActOnPatient, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ConcurrencyError, ForbiddenError, NotFoundError, ValidationError } from '@varde/core';
import { FhirHttpError, ifMatchVersion } from '@varde/fhir';
import { commandMetadataFrom, EnrolmentDirectory, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CorrectMeasurementHandler } from '../application/correct-measurement.handler';
import { MeasurementQuery } from '../application/measurement.query';
import { correctionOf } from './observation-correction.validation';
import { negotiate, written } from './fhir-responses';
import { observationFromView } from './observation.resource';

/** Corrections of recorded Observations: amend the value, or mark entered-in-error, always with a reason. */
@Controller('fhir/Observation')
export class ObservationCorrectionsHttpController {
  constructor(
    @Inject(CorrectMeasurementHandler) private readonly correct: CorrectMeasurementHandler,
    @Inject(MeasurementQuery) private readonly measurements: MeasurementQuery,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
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
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected an Observation id (UUID)');
    const expected = ifMatchVersion(headers['if-match']);
    const current = await this.measurements.current(id);
    if (!current) throw new NotFoundError(`Observation/${id} does not exist`);
    assertMayActOnPatient(principal, current.patientId);
    if (principal.role === 'clinician') await this.enrolments.authorise(principal, 'measurements', 'write', current.patientId);
    if (principal.role === 'patient' && current.provenance.method !== 'patient') throw new ForbiddenError('a patient may correct only measurements they typed in themselves');
    const reasonHeader = headers['x-correction-reason'];
    const request = correctionOf(body, id, current, Array.isArray(reasonHeader) ? reasonHeader[0] : reasonHeader);
    const stale = () => new FhirHttpError(412, `If-Match: Observation/${id} is at version ${current.version}, not ${expected}; read it again and correct that version`);
    if (expected !== undefined && expected !== current.version) throw stale();
    try {
      await this.correct.handle(id, request, commandMetadataFrom(principal, headers), expected);
    } catch (error) {
      // Another correction got in between the read above and the append.
      if (expected !== undefined && error instanceof ConcurrencyError) throw stale();
      throw error;
    }
    return written(httpRequest, reply, observationFromView((await this.measurements.current(id))!));
  }
}
