import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { observationFromChunk, observationFromView } from './observation.resource';
import { ObservationRecorder } from './observation-recorder';
import { MeasurementReader } from '../application/measurement.reader';
import { MeasurementSubmission } from './measurement-submission';
import { ObservationIntake } from './observation.intake';

export { MAX_FUTURE_MS } from './observation.intake';

/** FHIR Observation: measurements from patients, clinicians and device gateways. */
@Controller('fhir/Observation')
export class ObservationsHttpController {
  constructor(
    @Inject(ObservationRecorder) private readonly recorder: ObservationRecorder,
    @Inject(ObservationIntake) private readonly intake: ObservationIntake,
    @Inject(MeasurementSubmission) private readonly submission: MeasurementSubmission,
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
  ) {}

  /**
   * `201` with the stored Observation and `Location`; `200` with the original when the identifier was seen before.
   * A chunk of a stream (`valueSampledData`) is stored the same way, as one Observation.
   */
  @Post()
  @Roles('patient', 'system', 'clinician')
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const submission = await this.recorder.authorise(this.submission.forRequest(principal), this.intake.check(body));
    const metadata = commandMetadataFrom(principal, headers);
    const result = await this.recorder.record(submission, metadata);
    void reply.header('location', `/fhir/Observation/${result.id}`);
    if (!result.created) {
      await this.reader.resent(submission.input.patientId, result.id, metadata);
      void reply.status(200);
    }
    return result.resource();
  }

  /** The Observation as it reads now, corrections applied, or a stream chunk with its samples (patient: own only); logged as access. */
  @Get(':id')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Headers() headers: MetadataHeaders) {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected an Observation id (UUID)');
    const found = await this.reader.observation(id, { principal, request: commandMetadataFrom(principal, headers) });
    return found.kind === 'chunk' ? observationFromChunk(found.chunk.data, found.chunk.metadata.recordedTime) : observationFromView(found.view);
  }

  /** `GET /fhir/Observation/:id/_history/:version`: a version as it read then (what a correction's link points at). */
  @Get(':id/_history/:version')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  async version(@Param('id') id: string, @Param('version') version: string, @CurrentPrincipal() principal: Principal, @Headers() headers: MetadataHeaders) {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected an Observation id (UUID)');
    if (!/^[1-9]\d{0,8}$/.test(version)) throw ValidationError.field('version', 'expected a version number (meta.versionId)');
    const view = await this.reader.one(id, Number(version), { principal, request: commandMetadataFrom(principal, headers) });
    return observationFromView(view);
  }
}
