import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ActiveEnrolmentQuery } from '../application/active-enrolment.query';
import { EnrolPatientHandler } from '../application/enrol-patient.handler';
import { parseBody } from '@varde/fhir';

const EnrolRequest = z
  .object({
    patient: z.object({ nationalId: z.string({ required_error: 'required: the 11-digit national identity number', invalid_type_error: 'expected a string of 11 digits' }) }, { required_error: 'required: {"nationalId": "<11 digits>"}' }),
    pathway: z.string({ required_error: 'required: the pathway id, e.g. "copd"', invalid_type_error: 'expected a pathway id string' }),
  })
  .strict();

/** Enrolment of patients on pathways. */
@Controller('api/enrolments')
export class EnrolmentsHttpController {
  constructor(
    @Inject(EnrolPatientHandler) private readonly enrol: EnrolPatientHandler,
    @Inject(ActiveEnrolmentQuery) private readonly active: ActiveEnrolmentQuery,
  ) {}

  /** `201 {patientId, enrolmentId}` for a new enrolment, `200` with the same shape when it already existed. */
  @Post()
  @Roles('clinician', 'system')
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = parseBody(EnrolRequest, body);
    const result = await this.enrol.handle({ nationalId: request.patient.nationalId, pathwayId: request.pathway }, commandMetadataFrom(principal, headers));
    if (!result.created) void reply.status(200);
    return { patientId: result.patientId, enrolmentId: result.enrolmentId };
  }

  /** The patient's active enrolment and its rule set. */
  @Get(':patientId')
  @Roles('clinician', 'auditor', 'system')
  async get(@Param('patientId') patientId: string) {
    if (!/^[0-9a-f-]{36}$/.test(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
    return this.active.get(patientId);
  }
}
