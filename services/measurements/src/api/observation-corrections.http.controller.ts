import { Body, Controller, Headers, Inject, Param, Put, Req, Res } from '@nestjs/common';
import { ValidationError } from '@varde/core';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ifMatchVersion } from '@varde/fhir';
import { commandMetadataFrom, fhirWritten, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CorrectMeasurementHandler } from '../application/correct-measurement.handler';
import { MeasurementQuery } from '../application/measurement.query';
import { RecordMeasurementsHandler } from '../application/record-measurements.handler';
import { LogicalSubjects } from './logical-subject';
import { MeasurementSubmission } from './measurement-submission';
import { ObservationCorrections } from './observation-corrections';
import { observationPaths } from './observation-paths';
import { ObservationAnswers } from './observation-answers';
import { ObservationUpdates } from './observation-updates';
import { observationFromView } from './observation.resource';

/** Corrections of recorded Observations: amend the value, or mark entered-in-error, always with a reason. */
@Controller('fhir/Observation')
export class ObservationCorrectionsHttpController {
  constructor(
    @Inject(ObservationCorrections) private readonly corrections: ObservationCorrections,
    @Inject(CorrectMeasurementHandler) private readonly correct: CorrectMeasurementHandler,
    @Inject(MeasurementQuery) private readonly measurements: MeasurementQuery,
    @Inject(ObservationUpdates) private readonly updates: ObservationUpdates,
    @Inject(RecordMeasurementsHandler) private readonly recorder: RecordMeasurementsHandler,
    @Inject(ObservationAnswers) private readonly answers: ObservationAnswers,
    @Inject(MeasurementSubmission) private readonly submission: MeasurementSubmission,
    @Inject(LogicalSubjects) private readonly subjects: LogicalSubjects,
  ) {}

  /**
   * `PUT /fhir/Observation?identifier=<system>|<value>` — R4's conditional update: creates the Observation when no
   * measurement has that identifier (`201`), changes nothing for the same content again (`200`), and refuses other
   * content under a recorded identifier (`409`: correct it by its id). Sent with a correction's status (`amended`,
   * `entered-in-error`) it corrects the measurement the identifier names, as `PUT /fhir/Observation/:id` does.
   * `If-Match` is honoured (`412` on another version). Answers carry `Location`, `ETag`, `Last-Modified` and follow
   * `Prefer: return=`.
   */
  @Put()
  @Roles('clinician', 'patient', 'system')
  @Access('measurements', 'write', { patient: 'body' })
  async conditionalUpdate(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() httpRequest: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(httpRequest, reply);
    const query = httpRequest.url.includes('?') ? httpRequest.url.slice(httpRequest.url.indexOf('?') + 1) : '';
    if (query === '') throw ValidationError.field('url', 'an update names the Observation: PUT Observation/<id>, or the condition PUT Observation?identifier=<system>|<value>');
    const metadata = commandMetadataFrom(principal, headers);
    const context = { principal, authorise: this.submission.forRequest(principal), resolveSubject: this.subjects.forRequest(principal), metadata };
    const ifMatch = headers['if-match'];
    const work = await this.updates.prepare({ resource: body, target: { condition: query }, ...(ifMatch ? { ifMatch } : {}), at: 'Observation', urlField: 'url', ifMatchField: 'If-Match' }, context);
    const [outcome] = await this.recorder.recordEach([[work, metadata]], this.answers);
    if (!outcome || 'refused' in outcome) throw outcome?.refused; // a correction's refusal is already the client's (412 for a stale If-Match)
    void reply.status(outcome.recorded.created ? 201 : 200);
    return fhirWritten(httpRequest, reply, outcome.recorded.resource());
  }

  /**
   * `PUT /fhir/Observation/:id` with `status` `amended` (and the right `valueQuantity`) or `entered-in-error`,
   * the reason in `note[0].text` (or `X-Correction-Reason`): `200` with the Observation as it now reads.
   * Clinicians may correct the measurements of their care teams' patients; a patient only their own typed-in
   * ones. Invalid input is a `400`, a refusal by the measurement's state a `409`. With `If-Match: W/"<version>"`, a measurement at another version is a `412` and
   * nothing is written. Answers carry `ETag`, `Last-Modified` and `Location`, and follow `Prefer: return=`.
   */
  @Put(':id')
  @Roles('clinician', 'patient')
  @Access('measurements', 'write', { patient: 'resource' })
  async put(@Param('id') id: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() httpRequest: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(httpRequest, reply);
    const reasonHeader = headers['x-correction-reason'];
    const correction = await this.corrections.prepare(id, body, principal, ifMatchVersion(headers['if-match']), Array.isArray(reasonHeader) ? reasonHeader[0] : reasonHeader);
    try {
      await this.correct.handle(id, correction.request, commandMetadataFrom(principal, headers), correction.expectedVersion);
    } catch (error) {
      throw observationPaths.refusal(await this.corrections.refusalOf(error, correction));
    }
    return fhirWritten(httpRequest, reply, observationFromView((await this.measurements.current(id))!));
  }
}
