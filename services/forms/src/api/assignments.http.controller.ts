import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { parseBody } from '@varde/fhir';
import { AccessLog, commandMetadataFrom, EnrolmentDirectory, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AssignFormHandler } from '../application/assign-form.handler';
import { AssignmentsQuery } from '../application/assignments.query';
import { QuestionnaireCatalogueQuery } from '../application/questionnaire-catalogue.query';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const instant = z.string().datetime({ offset: true, message: 'expected an ISO 8601 date-time with time zone' }).transform((t) => new Date(t).toISOString());
const AssignmentBody = z
  .object({
    questionnaire: z.string({ required_error: 'required: the questionnaire to answer, "url|version"' }).regex(/^https?:\/\/[^|\s]+\|[^|\s]+$/, 'expected "url|version" of a published questionnaire'),
    dueAt: instant.optional(),
    expiresAt: instant.optional(),
    remindAt: z.array(instant).max(20, 'at most 20 reminders').optional(),
  })
  .strict();

const patientOf = (patientId: string): string => {
  if (!UUID.test(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
  return patientId;
};

/** A patient's form assignments: a clinician assigns ad hoc (due time, expiry, reminders); everyone entitled reads them. */
@Controller('api/patients/:patientId/form-assignments')
export class AssignmentsHttpController {
  constructor(
    @Inject(AssignFormHandler) private readonly assign: AssignFormHandler,
    @Inject(AssignmentsQuery) private readonly assignments: AssignmentsQuery,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  /** `201` with the new assignment; `200` when the patient already holds that version open. */
  @Post()
  // Clinicians assign forms (the table lets patients write forms: their answers, not assignments).
  @Roles('clinician')
  @Access('forms', 'write', { patient: { param: 'patientId' } })
  @HttpCode(201)
  async create(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = parseBody(AssignmentBody, body);
    const { enrolment } = await this.enrolments.authorise(principal, 'forms', 'write', patientOf(patientId));
    if (enrolment === undefined) throw ValidationError.field('patientId', 'the patient is not enrolled on any pathway');
    const [url, version] = request.questionnaire.split('|') as [string, string];
    const entry = await this.catalogue.byCanonical(url, version);
    if (entry?.status !== 'active') throw ValidationError.field('questionnaire', entry ? `${request.questionnaire} is retired` : `${request.questionnaire} is not a published questionnaire`);
    const { questionnaire: _q, ...times } = request;
    const result = await this.assign.handle({ patientId, questionnaire: { url, version }, ...times, assignedBy: 'clinician' }, commandMetadataFrom(principal, headers));
    if (!result.created) void reply.status(200);
    const held = await this.assignments.list(patientId);
    return held.find((a) => a.assignmentId === result.assignmentId) ?? held.find((a) => a.status === 'open' && a.questionnaireUrl === url && a.questionnaireVersion === version);
  }

  /** Every assignment of the patient with its status (open, answered, expired), written to the access log first. */
  @Get()
  @Access('forms', 'read', { patient: { param: 'patientId' } })
  async list(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    await this.enrolments.authorise(principal, 'forms', 'read', patientOf(patientId));
    await this.accessLog.recordReads('forms', [patientId], { purpose: 'questionnaire-assignments', resource: `Patient/${patientId}/form-assignments` }, commandMetadataFrom(principal, headers));
    return { assignments: await this.assignments.list(patientId) };
  }
}
