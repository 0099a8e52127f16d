import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { assertMayActOnPatient, CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { NotFoundError, ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { EnrolmentDirectory } from '@varde/platform';
import { MeasurementQuery } from '../application/measurement.query';
import { RecordMeasurementHandler } from '../application/record-measurement.handler';
import type { Provenance } from '../domain/measurement.events';
import { observationResource } from './observation.resource';
import { validateObservation } from './observation.validation';

/** DI token of how far ahead of the server's clock a measurement may be dated, in milliseconds. */
export const MAX_FUTURE_MS = Symbol('MAX_FUTURE_MS');

/** FHIR Observation: measurements from patients, clinicians and device gateways. */
@Controller('fhir/Observation')
export class ObservationsHttpController {
  constructor(
    @Inject(RecordMeasurementHandler) private readonly record: RecordMeasurementHandler,
    @Inject(MeasurementQuery) private readonly measurements: MeasurementQuery,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(MAX_FUTURE_MS) private readonly maxFutureMs: number,
  ) {}

  /** `201` with the stored Observation and `Location`; `200` with the original when the identifier was seen before. */
  @Post()
  @Roles('patient', 'system', 'clinician')
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { deviceReference, ...observation } = validateObservation(body, new Date(), this.maxFutureMs);
    assertMayActOnPatient(principal, observation.patientId);
    if (!(await this.enrolments.isEnrolled(observation.patientId, String(headers['authorization'])))) {
      throw new NotFoundError(`Observation.subject: Patient/${observation.patientId} is not enrolled on any pathway`);
    }
    const provenance: Provenance = {
      method: deviceReference || principal.role === 'system' ? 'device' : principal.role === 'clinician' ? 'clinician' : 'patient',
      ...(deviceReference ? { deviceId: deviceReference } : {}),
      ...(principal.organisation ? { organisation: principal.organisation } : {}),
    };
    const result = await this.record.handle({ ...observation, provenance }, commandMetadataFrom(principal, headers));
    void reply.header('location', `/fhir/Observation/${result.measurement.data.measurementId}`);
    if (!result.created) void reply.status(200);
    return observationResource(result.measurement);
  }

  /** The stored Observation (patient: own only). */
  @Get(':id')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected an Observation id (UUID)');
    const stored = await this.measurements.get(id);
    assertMayActOnPatient(principal, stored.data.patientId);
    return observationResource(stored);
  }
}
