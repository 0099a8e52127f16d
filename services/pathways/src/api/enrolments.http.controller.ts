import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { assertMayActForCareTeam, assertMayReadPatientOfTeam, CARE_TEAM_ID, CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { AccessLog, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ActiveEnrolmentQuery } from '../application/active-enrolment.query';
import { EnrolPatientHandler } from '../application/enrol-patient.handler';
import { parseBody } from '@varde/fhir';

const EnrolRequest = z
  .object({
    patient: z.object({ nationalId: z.string({ required_error: 'required: the 11-digit national identity number', invalid_type_error: 'expected a string of 11 digits' }) }, { required_error: 'required: {"nationalId": "<11 digits>"}' }),
    pathway: z.string({ required_error: 'required: the pathway id, e.g. "copd"', invalid_type_error: 'expected a pathway id string' }),
    careTeam: z
      .string({ invalid_type_error: 'expected a care team id string' })
      .regex(CARE_TEAM_ID, 'expected a care team id: lower-case letters, digits and hyphens, e.g. "lungepoliklinikken-ahus"')
      .optional(),
  })
  .strict();

/** Enrolment of patients on pathways. */
@Controller('api/enrolments')
export class EnrolmentsHttpController {
  constructor(
    @Inject(EnrolPatientHandler) private readonly enrol: EnrolPatientHandler,
    @Inject(ActiveEnrolmentQuery) private readonly active: ActiveEnrolmentQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  /**
   * `201 {patientId, enrolmentId, careTeam}` for a new enrolment, `200` with the same shape when it already existed.
   * `careTeam` defaults to the pathway's default team; a clinician may enrol only into one of their own teams (403).
   */
  @Post()
  @Roles('clinician', 'system')
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = parseBody(EnrolRequest, body);
    const result = await this.enrol.handle(
      { nationalId: request.patient.nationalId, pathwayId: request.pathway, ...(request.careTeam === undefined ? {} : { careTeamId: request.careTeam }) },
      commandMetadataFrom(principal, headers),
      (careTeamId) => assertMayActForCareTeam(principal, careTeamId),
    );
    if (!result.created) void reply.status(200);
    return { patientId: result.patientId, enrolmentId: result.enrolmentId, careTeam: result.careTeamId };
  }

  /**
   * The patient's active enrolment, its rule set and care team (a clinician: patients of their own teams only),
   * written to the patient's access log before it is shown.
   */
  @Get(':patientId')
  @Roles('clinician', 'auditor', 'system')
  async get(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    if (!/^[0-9a-f-]{36}$/.test(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
    const view = await this.active.get(patientId);
    assertMayReadPatientOfTeam(principal, patientId, view.careTeamId);
    await this.accessLog.recordReads('pathways', [patientId], { purpose: 'enrolment', resource: `enrolments/${patientId}` }, commandMetadataFrom(principal, headers));
    return view;
  }
}
