import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { Access, assertMayActForCareTeam, CARE_TEAM_ID, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError, VardeError } from '@varde/core';
import { parseBody, problemDetails } from '@varde/fhir';
import { AccessLog, AccessPolicy, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ChangeEnrolmentHandler, type EnrolmentChange } from '../application/change-enrolment.handler';
import { EnrolmentQuery, type EnrolmentView } from '../application/enrolment.query';
import { PathwayDirectory } from '../application/pathway-directory.port';
import { DISCHARGE_REASONS } from '../domain/enrolment.events';
import { parsePatientId, pathwayField, pathwayReference, versionField } from './enrolment-request.fields';
import { enrolmentQuestion } from './patient-read';

/** The version an `If-Match` header names (`"3"`, `W/"3"` or `3`); undefined without one. */
function expectedVersionFrom(headers: MetadataHeaders): number | undefined {
  const raw = headers['if-match'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '*') return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(value.trim());
  if (!match) throw ValidationError.field('If-Match', `expected the enrolment's ETag, e.g. "3" (from GET /api/enrolments/{patientId}); got ${value}`);
  return Number(match[1]);
}

const text = (what: string, max: number) =>
  z.string({ required_error: `required: ${what}`, invalid_type_error: `expected ${what} as a string` }).trim().min(1, `required: ${what}`).max(max, `expected at most ${max} characters`);
const PauseRequest = z
  .object({
    reason: text('why the enrolment is paused, e.g. "admitted to hospital"', 500),
    until: z.string({ invalid_type_error: 'expected a date-time string' }).datetime({ offset: true, message: 'expected an ISO 8601 date-time with a time zone, e.g. "2027-01-15T00:00:00+01:00"' }).optional(),
  })
  .strict();
const ResumeRequest = z.object({}).strict();
const ChangePathwayRequest = z
  .object({
    pathway: pathwayField,
    version: versionField,
    reason: text('why the pathway is changed', 500).optional(),
  })
  .strict();
const ChangeCareTeamRequest = z
  .object({
    careTeam: z
      .string({ required_error: 'required: the care team id to move the patient to', invalid_type_error: 'expected a care team id string' })
      .regex(CARE_TEAM_ID, 'expected a care team id: lower-case letters, digits and hyphens, e.g. "hjertesvikt-ous"'),
  })
  .strict();
const DischargeRequest = z
  .object({
    reason: z.enum(DISCHARGE_REASONS, { errorMap: () => ({ message: `expected one of ${DISCHARGE_REASONS.join(', ')}` }) }),
  })
  .strict();

/**
 * The course of an enrolment: pause, resume, change pathway, change care team, discharge. Only clinicians of the
 * patient's care team may change it. Each answers the enrolment as it now is (with its `ETag`); a refusal because
 * of its state, or because someone else changed it first, is a 409 that carries the current state.
 */
@Controller('api/enrolments/:patientId')
export class EnrolmentChangesHttpController {
  constructor(
    @Inject(ChangeEnrolmentHandler) private readonly changes: ChangeEnrolmentHandler,
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(PathwayDirectory) private readonly pathways: PathwayDirectory,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /** `{reason, until?}`: no tasks fall due while paused; ends by itself at `until`. */
  @Post('pause')
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(200)
  pause(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(patientId, () => {
      const request = parseBody(PauseRequest, body);
      return { type: 'PauseEnrolment', data: request.until ? { reason: request.reason, until: new Date(request.until).toISOString() } : { reason: request.reason } };
    }, headers, principal, reply);
  }

  /** `{}`: resumes a paused enrolment. */
  @Post('resume')
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(200)
  resume(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(patientId, () => {
      parseBody(ResumeRequest, body ?? {});
      return { type: 'ResumeEnrolment', data: {} };
    }, headers, principal, reply);
  }

  /** `{pathway, version?, reason?}`: another pathway or another version of the same one. */
  @Post('change-pathway')
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(200)
  async changePathway(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(patientId, async () => {
      const request = parseBody(ChangePathwayRequest, body);
      const pathway = await this.pathways.resolve(pathwayReference(request));
      return { type: 'ChangePathway', data: { pathway, ...(request.reason ? { reason: request.reason } : {}) } };
    }, headers, principal, reply);
  }

  /** `{careTeam}`: the patient moves to another team (the caller must be on the current one). */
  @Post('change-care-team')
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(200)
  changeCareTeam(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(patientId, () => ({ type: 'ChangeCareTeam', data: { careTeamId: parseBody(ChangeCareTeamRequest, body).careTeam } }), headers, principal, reply);
  }

  /** `{reason}`: completed, readmitted, transferred-to-municipality, deceased or withdrew. */
  @Post('discharge')
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(200)
  discharge(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(patientId, () => ({ type: 'DischargePatient', data: { reason: parseBody(DischargeRequest, body).reason } }), headers, principal, reply);
  }

  // `changeOf` reads the body once the caller may change the enrolment: another team's clinician gets the same 403
  // whatever they send (and the access matrix sees the policy's answer, not the parser's).
  private async run(patientId: string, changeOf: () => EnrolmentChange | Promise<EnrolmentChange>, headers: MetadataHeaders, principal: Principal, reply: FastifyReply): Promise<EnrolmentView | object> {
    parsePatientId(patientId);
    const metadata = commandMetadataFrom(principal, headers);
    // The policy first (blocks, care team; ADR 0019); the handler checks the care team again on the state it decides on.
    await this.policy.authoriseWithTeam(principal, enrolmentQuestion(patientId, 'write', await this.enrolments.latest(patientId)));
    const change = await changeOf();
    try {
      const view = await this.changes.handle(patientId, change, metadata, (state) => assertMayActForCareTeam(principal, state.careTeamId), expectedVersionFrom(headers));
      void reply.header('etag', `"${view.version}"`);
      return view;
    } catch (error) {
      if (!(error instanceof VardeError) || (error.kind !== 'illegal-state' && error.kind !== 'concurrency')) throw error;
      // The 409 carries the enrolment as it now is, so the clinician sees what they were up against.
      const current = await this.enrolments.get(patientId);
      const shown = await this.policy.permitForListing(principal, enrolmentQuestion(patientId, 'read', current));
      if (shown) await this.accessLog.recordReads('pathways', [patientId], { purpose: 'enrolment', resource: `enrolments/${patientId}`, reason: shown.reason }, metadata);
      void reply.status(409).header('content-type', 'application/problem+json').header('etag', `"${current.version}"`);
      return { ...problemDetails(409, 'Conflict', error.message), ...(shown ? { current } : {}) };
    }
  }
}
