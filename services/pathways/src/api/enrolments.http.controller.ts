import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { Access, assertMayActForCareTeam, CARE_TEAM_ID, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { AccessLog, AccessPolicy, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { EnrolPatientHandler } from '../application/enrol-patient.handler';
import { EnrolmentQuery } from '../application/enrolment.query';
import { parseBody } from '@varde/fhir';
import { parsePatientId, pathwayField, pathwayReference, versionField } from './enrolment-request.fields';
import { enrolmentQuestion } from './patient-read';

const EnrolRequest = z
  .object({
    patient: z.object({ nationalId: z.string({ required_error: 'required: the 11-digit national identity number', invalid_type_error: 'expected a string of 11 digits' }) }, { required_error: 'required: {"nationalId": "<11 digits>"}' }),
    pathway: pathwayField,
    version: versionField,
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
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * `201 {patientId, enrolmentId, careTeam, admission}` for a new enrolment (a readmission after a discharge counts up
   * `admission`), `200` with the same shape when it already existed. `careTeam` defaults to the pathway's default
   * team; a clinician may enrol only into one of their own teams (403). `409` for a person enrolled on another
   * pathway or with another team, naming neither (the same answer for every team).
   */
  @Post()
  @Roles('clinician', 'system')
  @Access('enrolments', 'write', { patient: 'body' })
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = parseBody(EnrolRequest, body);
    const metadata = commandMetadataFrom(principal, headers);
    const result = await this.enrol.handle(
      {
        nationalId: request.patient.nationalId,
        pathway: pathwayReference(request),
        ...(request.careTeam === undefined ? {} : { careTeamId: request.careTeam }),
      },
      metadata,
      (careTeamId) => assertMayActForCareTeam(principal, careTeamId),
    );
    if (!result.created) {
      // The existing enrolment is shown (who the national id is): a read of the patient's data, logged first.
      await this.accessLog.recordReads('pathways', [result.patientId], { purpose: 'enrolment', resource: `enrolments/${result.patientId}` }, metadata);
      void reply.status(200);
    }
    return { patientId: result.patientId, enrolmentId: result.enrolmentId, careTeam: result.careTeamId, admission: result.admission };
  }

  /**
   * The patient's enrolment (active, paused or discharged), its rule set and care team (a clinician: patients of
   * their own teams only), written to the patient's access log before it is shown. `ETag` is the version to send
   * back in `If-Match` with a change.
   */
  @Get(':patientId')
  @Roles('clinician', 'auditor')
  @Access('enrolments', 'read', { patient: { param: 'patientId' } })
  async get(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    parsePatientId(patientId);
    // Authorised before "never enrolled" is told: a clinician of another team gets the same 403 for both.
    const latest = await this.enrolments.latest(patientId);
    const { reason } = await this.policy.authoriseWithTeam(principal, enrolmentQuestion(patientId, 'read', latest));
    const view = latest ?? (await this.enrolments.get(patientId));
    await this.accessLog.recordReads('pathways', [patientId], { purpose: 'enrolment', resource: `enrolments/${patientId}`, reason }, commandMetadataFrom(principal, headers));
    void reply.header('etag', `"${view.version}"`);
    return view;
  }
}
