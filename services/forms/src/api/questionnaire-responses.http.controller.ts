import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { ConcurrencyError, NotFoundError, ValidationError } from '@varde/core';
import { ifMatchVersion, pageLink, preferHandling, searchset, staleVersion } from '@varde/fhir';
import { AccessLog, commandMetadataFrom, EnrolmentDirectory, fhirBaseOf, fhirVersionHeaders, fhirWritten, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QuestionnaireResponseQuery } from '../application/questionnaire-response.query';
import { SubmitResponseHandler, type ResponseSubmission, type SubmissionResult } from '../application/submit-response.handler';
import { QuestionnaireCatalogueQuery } from '../application/questionnaire-catalogue.query';
import { ResponsePdfRenderer } from '../application/response-pdf.port';
import { scoresOf } from '../domain/response.events';
import { questionnaireResponseResource, responseExportBundle, responseHistoryBundle } from './forms.resources';
import { validateQuestionnaireResponse } from './questionnaire-response.validation';
import { R4Structure } from './r4-structure';
import { responseSearchOf } from './response-search.params';
import { formsPaths } from './forms-paths';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const checkedId = (id: string): string => {
  if (!UUID.test(id)) throw ValidationError.field('id', 'expected a QuestionnaireResponse id (UUID)');
  return id;
};

/** FHIR QuestionnaireResponse: patients' forms, in progress, completed and amended. */
@Controller('fhir/QuestionnaireResponse')
export class QuestionnaireResponsesHttpController {
  constructor(
    @Inject(SubmitResponseHandler) private readonly submit: SubmitResponseHandler,
    @Inject(QuestionnaireResponseQuery) private readonly responses: QuestionnaireResponseQuery,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
    @Inject(ResponsePdfRenderer) private readonly pdf: ResponsePdfRenderer,
    @Inject(R4Structure) private readonly r4: R4Structure,
  ) {}

  /**
   * `201` with the stored (scored, when completed) QuestionnaireResponse, `Location`
   * (`[base]/QuestionnaireResponse/<id>/_history/<version>`), `ETag` and `Last-Modified`; `200` for a retry with the
   * same Idempotency-Key. The body follows `Prefer: return=`.
   */
  @Post()
  @Access('forms', 'write', { patient: 'body' })
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const response = await this.admitted(body, principal);
    const metadata = commandMetadataFrom(principal, headers);
    const result = await this.submit.create(response, metadata).catch(formsPaths.rethrow);
    // A retry answers with the response as stored, which may be older than what this caller sent: a read.
    if (!result.created) await this.accessLog.recordReads('forms', [response.patientId], { purpose: 'questionnaire-response', resource: `QuestionnaireResponse/${result.response.data.responseId}` }, metadata);
    return this.answer(result, request, reply);
  }

  /**
   * `PUT /fhir/QuestionnaireResponse/:id` — resume (in-progress), complete, or amend a response; every version kept.
   * With `If-Match: W/"<version>"`, a response at another version is a `412` and nothing is written.
   */
  @Put(':id')
  @Access('forms', 'write', { patient: 'body' })
  async update(@Param('id') id: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    checkedId(id);
    const expected = ifMatchVersion(headers['if-match']);
    if (typeof body === 'object' && body !== null && 'id' in body && body.id !== id) throw ValidationError.field('QuestionnaireResponse.id', `expected "${id}", the id in the URL`);
    const response = await this.admitted(body, principal);
    try {
      return this.answer(await this.submit.save(id, response, commandMetadataFrom(principal, headers), expected), request, reply, 200);
    } catch (error) {
      if (expected === undefined || !(error instanceof ConcurrencyError)) throw formsPaths.refusal(error);
      throw staleVersion(`QuestionnaireResponse/${id}`, await this.responses.history(id).then((h) => h.length, () => undefined), expected);
    }
  }

  /**
   * `GET /fhir/QuestionnaireResponse?subject=Patient/<id>&questionnaire=&status=&authored=&_count=` — the patient's
   * responses as they read now, most recently authored first (e.g. `status=in-progress`: a draft to resume on another
   * device); written to the patient's access log before they are shown.
   */
  @Get()
  @Access('forms', 'read', { patient: { query: 'subject' } })
  async search(@Query() query: Record<string, string | string[]>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const search = responseSearchOf(query, preferHandling(headers['prefer'] as string | undefined));
    await this.enrolments.authorise(principal, 'forms', 'read', search.patientId);
    const page = await this.responses.search(search);
    await this.accessLog.recordReads('forms', [search.patientId], { purpose: 'questionnaire-response', resource: `QuestionnaireResponse?subject=Patient/${search.patientId}` }, commandMetadataFrom(principal, headers));
    const links = [{ relation: 'self', query: `QuestionnaireResponse?${pageLink(search.query, search.after)}` }];
    if (page.next) links.push({ relation: 'next', query: `QuestionnaireResponse?${pageLink(search.query, page.next)}` });
    const current = page.responses.map((versions) => questionnaireResponseResource(versions[versions.length - 1]!, versions.length));
    return searchset(fhirBaseOf(request), current, page.total, links, search.countOnly);
  }

  /** The current version (patient: own only), with `ETag` and `Last-Modified`, written to the patient's access log before it is shown. */
  @Get(':id')
  @Access('forms', 'read', { patient: 'resource' })
  async get(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const history = await this.readable(id, principal, headers, `QuestionnaireResponse/${id}`);
    return fhirVersionHeaders(reply, questionnaireResponseResource(history[history.length - 1]!, history.length));
  }

  /** Every version of the response, newest first (amendments keep what was answered before). */
  @Get(':id/_history')
  @Access('forms', 'read', { patient: 'resource' })
  async history(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    return responseHistoryBundle(await this.readable(id, principal, headers, `QuestionnaireResponse/${id}/_history`), fhirBaseOf(request));
  }

  /** `GET /fhir/QuestionnaireResponse/:id/_history/:version` (vread): that version as it was saved. */
  @Get(':id/_history/:version')
  @Access('forms', 'read', { patient: 'resource' })
  async version(@Param('id') id: string, @Param('version') version: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    if (!/^[1-9]\d{0,8}$/.test(version)) throw ValidationError.field('version', 'expected a version number (meta.versionId)');
    const history = await this.readable(id, principal, headers, `QuestionnaireResponse/${id}/_history/${version}`);
    const event = history[Number(version) - 1];
    if (!event) throw new NotFoundError(`QuestionnaireResponse/${id} has no version ${version}; it is at version ${history.length}`);
    return fhirVersionHeaders(reply, questionnaireResponseResource(event, Number(version)));
  }

  /** `GET /fhir/QuestionnaireResponse/:id/$export` — for the EHR: a `collection` Bundle of the response, its score Observations and its Questionnaire. */
  @Get(':id/$export')
  @Access('forms', 'read', { patient: 'resource' })
  async export(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const history = await this.readable(id, principal, headers, `QuestionnaireResponse/${id}/$export`);
    const latest = history[history.length - 1]!;
    return responseExportBundle(latest, history.length, await this.catalogue.byCanonical(latest.data.questionnaireUrl, latest.data.questionnaireVersion), fhirBaseOf(request));
  }

  /** `GET /fhir/QuestionnaireResponse/:id/$pdf` — a PDF summary (questions, answers, scores, dates, who answered) for the EHR. */
  @Get(':id/$pdf')
  @Access('forms', 'read', { patient: 'resource' })
  async pdfSummary(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const history = await this.readable(id, principal, headers, `QuestionnaireResponse/${id}/$pdf`);
    const latest = history[history.length - 1]!;
    const resource = questionnaireResponseResource(latest, history.length);
    const questionnaire = await this.catalogue.byCanonical(latest.data.questionnaireUrl, latest.data.questionnaireVersion);
    const bytes = await this.pdf.render({
      content: latest.data,
      status: resource.status,
      versionId: history.length,
      recordedAt: latest.metadata.recordedTime,
      scores: scoresOf(latest.data),
      questionnaire: questionnaire?.resource ?? { resourceType: 'Questionnaire', status: 'unknown' },
      items: resource.item ?? [],
    });
    void reply.header('content-type', 'application/pdf');
    void reply.header('content-disposition', `inline; filename="questionnaire-response-${id}.pdf"`);
    return bytes;
  }

  private async readable(id: string, principal: Principal, headers: MetadataHeaders, resource: string) {
    const history = await this.responses.history(checkedId(id)).catch(formsPaths.rethrow);
    const patientId = history[0]!.data.patientId;
    const { decision } = await this.enrolments.authorise(principal, 'forms', 'read', patientId);
    await this.accessLog.recordReads('forms', [patientId], { purpose: 'questionnaire-response', resource, reason: decision.reason }, commandMetadataFrom(principal, headers));
    return history;
  }

  /** Validated, for a patient the caller may act for and who is enrolled; a guardian is recorded as the author. */
  private async admitted(body: unknown, principal: Principal): Promise<ResponseSubmission> {
    if (typeof body === 'object' && body !== null && (body as { resourceType?: unknown }).resourceType === 'QuestionnaireResponse') this.r4.assertValid(body);
    const response = validateQuestionnaireResponse(body, new Date());
    // The patient, their guardian, or a clinician of the patient's care team (policy table, docs/api/sharing.md).
    const { enrolment } = await this.enrolments.authorise(principal, 'forms', 'write', response.patientId);
    if (enrolment === undefined) throw new NotFoundError(`QuestionnaireResponse.subject: Patient/${response.patientId} is not enrolled on any pathway`);
    if (principal.role !== 'guardian') return response;
    // A guardian answers for the child: the response says so, whatever the client wrote.
    const guardian = { reference: `RelatedPerson/${principal.subject}`, display: 'guardian' };
    return { ...response, author: guardian, source: response.source?.reference?.startsWith('RelatedPerson/') ? response.source : guardian };
  }

  private answer(result: SubmissionResult, request: FastifyRequest, reply: FastifyReply, status = 201) {
    void reply.status(result.created ? status : 200);
    return fhirWritten(request, reply, questionnaireResponseResource(result.response, result.version));
  }
}
