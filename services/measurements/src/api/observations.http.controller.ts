import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, fhirVersionHeaders, fhirWritten, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { conditionalId } from './conditional-create';
import { observationFromChunk, observationFromView } from './observation.resource';
import { ObservationAnswers } from './observation-answers';
import { MeasurementReader } from '../application/measurement.reader';
import { RecordMeasurementsHandler } from '../application/record-measurements.handler';
import { LogicalSubjects } from './logical-subject';
import { authorisedSubmission, MeasurementSubmission } from './measurement-submission';
import { ObservationIntake } from './observation.intake';

/** FHIR Observation: measurements from patients, clinicians and device gateways. */
@Controller('fhir/Observation')
export class ObservationsHttpController {
  constructor(
    @Inject(RecordMeasurementsHandler) private readonly recorder: RecordMeasurementsHandler,
    @Inject(ObservationAnswers) private readonly answers: ObservationAnswers,
    @Inject(ObservationIntake) private readonly intake: ObservationIntake,
    @Inject(MeasurementSubmission) private readonly submission: MeasurementSubmission,
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
    @Inject(LogicalSubjects) private readonly subjects: LogicalSubjects,
  ) {}

  /**
   * `201` with the stored Observation, `Location`, `ETag` and `Last-Modified`; `200` with the original when the
   * identifier was seen before, or when `If-None-Exist: identifier=<system>|<value>` names one of the patient's
   * measurements (conditional create). The body follows `Prefer: return=`. A chunk of a stream
   * (`valueSampledData`) is stored the same way, as one Observation.
   */
  @Post()
  @Roles('patient', 'system', 'clinician')
  @Access('measurements', 'write', { patient: 'body' })
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const resource = await this.subjects.forRequest(principal)(body);
    const submission = await authorisedSubmission(this.submission.forRequest(principal), this.intake.check(resource));
    const metadata = commandMetadataFrom(principal, headers);
    const condition = headers['if-none-exist'] as string | undefined;
    if (condition !== undefined) {
      const existing = await this.reader.existingOf(submission.input.patientId, conditionalId(condition), metadata);
      if (existing) {
        void reply.status(200);
        return fhirWritten(request, reply, observationFromView(existing));
      }
    }
    const result = await this.recorder.record(submission, metadata, this.answers);
    if (!result.created) {
      await this.reader.resent(submission.input.patientId, result.id, metadata);
      void reply.status(200);
    }
    return fhirWritten(request, reply, result.resource());
  }

  /** The Observation as it reads now, corrections applied, or a stream chunk with its samples (patient: own only); logged as access. */
  @Get(':id')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: 'resource' })
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Headers() headers: MetadataHeaders, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected an Observation id (UUID)');
    const found = await this.reader.observation(id, { principal, request: commandMetadataFrom(principal, headers) });
    const resource = found.kind === 'chunk' ? observationFromChunk(found.chunk.data, found.chunk.metadata.recordedTime) : observationFromView(found.view);
    fhirVersionHeaders(reply, resource);
    return resource;
  }

  /** `GET /fhir/Observation/:id/_history/:version`: a version as it read then (what a correction's link points at). */
  @Get(':id/_history/:version')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: 'resource' })
  async version(@Param('id') id: string, @Param('version') version: string, @CurrentPrincipal() principal: Principal, @Headers() headers: MetadataHeaders, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected an Observation id (UUID)');
    if (!/^[1-9]\d{0,8}$/.test(version)) throw ValidationError.field('version', 'expected a version number (meta.versionId)');
    const view = await this.reader.one(id, Number(version), { principal, request: commandMetadataFrom(principal, headers) });
    const resource = observationFromView(view);
    fhirVersionHeaders(reply, resource);
    return resource;
  }
}
