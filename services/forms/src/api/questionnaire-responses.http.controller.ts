import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { NotFoundError, ValidationError } from '@varde/core';
import { AccessLog, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { EnrolmentDirectory } from '@varde/platform';
import { QuestionnaireResponseQuery } from '../application/questionnaire-response.query';
import { SubmitResponseHandler } from '../application/submit-response.handler';
import { questionnaireByCanonical } from '../domain/questionnaire-catalogue';
import { questionnaireResponseResource } from './forms.resources';
import { validateQuestionnaireResponse } from './questionnaire-response.validation';

/** FHIR QuestionnaireResponse: patients' completed forms. */
@Controller('fhir/QuestionnaireResponse')
export class QuestionnaireResponsesHttpController {
  constructor(
    @Inject(SubmitResponseHandler) private readonly submit: SubmitResponseHandler,
    @Inject(QuestionnaireResponseQuery) private readonly responses: QuestionnaireResponseQuery,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  /** `201` with the stored, scored QuestionnaireResponse and `Location`; `200` for a retry with the same Idempotency-Key. */
  @Post()
  @Access('forms', 'write', { patient: 'body' })
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const response = validateQuestionnaireResponse(body, new Date());
    // The patient, their guardian, or a clinician of the patient's care team (policy table, docs/api/sharing.md).
    const { enrolment } = await this.enrolments.authorise(principal, 'forms', 'write', response.patientId);
    if (enrolment === undefined) throw new NotFoundError(`QuestionnaireResponse.subject: Patient/${response.patientId} is not enrolled on any pathway`);
    const metadata = commandMetadataFrom(principal, headers);
    const result = await this.submit.handle(response, metadata);
    const id = result.response.data.responseId;
    void reply.header('location', `/fhir/QuestionnaireResponse/${id}`);
    if (!result.created) {
      // A retry answers with the response as stored, which may be older than what this caller sent: a read.
      await this.accessLog.recordReads('forms', [response.patientId], { purpose: 'questionnaire-response', resource: `QuestionnaireResponse/${id}` }, metadata);
      void reply.status(200);
    }
    return questionnaireResponseResource(result.response, response.questionnaire);
  }

  /** The stored response (patient: own; clinician: of their care teams' patients), written to the patient's access log before it is shown. */
  @Get(':id')
  @Access('forms', 'read', { patient: 'resource' })
  async get(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected a QuestionnaireResponse id (UUID)');
    const stored = await this.responses.get(id);
    await this.enrolments.authorise(principal, 'forms', 'read', stored.data.patientId);
    await this.accessLog.recordReads('forms', [stored.data.patientId], { purpose: 'questionnaire-response', resource: `QuestionnaireResponse/${id}` }, commandMetadataFrom(principal, headers));
    return questionnaireResponseResource(stored, questionnaireByCanonical(`${stored.data.questionnaireUrl}|${stored.data.questionnaireVersion}`));
  }
}
