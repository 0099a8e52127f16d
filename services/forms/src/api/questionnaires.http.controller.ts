import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Questionnaire } from '@medplum/fhirtypes';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { ConcurrencyError, ValidationError } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { assertKnownParams, ifMatchVersion, linkQuery, oneParam, preferHandling, searchset, staleVersion } from '@varde/fhir';
import { AccessLog, commandMetadataFrom, EnrolmentDirectory, fhirBaseOf, fhirVersionHeaders, fhirWritten, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AssignmentsQuery } from '../application/assignments.query';
import { AuthorQuestionnaireHandler } from '../application/author-questionnaire.handler';
import { QuestionnaireCatalogueQuery, type QuestionnaireEntry } from '../application/questionnaire-catalogue.query';
import { PatientFactsHandler } from '../application/patient-facts.handler';
import { populateResponse } from '../application/populate-response';
import { QuestionnaireResponseQuery } from '../application/questionnaire-response.query';
import { R4Structure } from './r4-structure';
import { SUBJECT } from './response-search.params';
import { questionnaireResource, questionnaireResponseResource } from './forms.resources';
import { QUESTIONNAIRE_SEARCH_PARAMS } from './fhir-metadata.http.controller';
import { formsPaths } from './forms-paths';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const SEARCH_PARAMETERS = new Set(QUESTIONNAIRE_SEARCH_PARAMS.map((p) => p.name));

const body = (value: unknown): Questionnaire => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw ValidationError.field('body', 'expected a JSON object');
  if ((value as { resourceType?: unknown }).resourceType !== 'Questionnaire') throw ValidationError.field('Questionnaire.resourceType', 'expected "Questionnaire"');
  // The status is the server's (the draft is stored as one whatever is sent); a client that sends another one means
  // to publish or retire, which are operations of their own.
  const { status } = value as Questionnaire;
  if (status !== undefined && status !== 'draft') {
    throw ValidationError.field('Questionnaire.status', `expected "draft": a questionnaire is saved as a draft, then published with POST /fhir/Questionnaire/<id>/$publish and retired with $retire`);
  }
  return value as Questionnaire;
};
const checkedId = (id: string): string => {
  if (!ID.test(id)) throw ValidationError.field('id', 'expected a FHIR id: 1–64 letters, digits, "-" or "."');
  return id;
};

/** FHIR Questionnaire: authoring (drafts, publish, retire), search, and the questionnaires assigned to a patient. */
@Controller('fhir/Questionnaire')
export class QuestionnairesHttpController {
  constructor(
    @Inject(AssignmentsQuery) private readonly assignments: AssignmentsQuery,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
    @Inject(AuthorQuestionnaireHandler) private readonly author: AuthorQuestionnaireHandler,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(PatientFactsHandler) private readonly facts: PatientFactsHandler,
    @Inject(QuestionnaireResponseQuery) private readonly responses: QuestionnaireResponseQuery,
    @Inject(R4Structure) private readonly r4: R4Structure,
  ) {}

  /**
   * `GET /fhir/Questionnaire?url=&version=&status=&name=` — searchset of the catalogue (every status unless asked).
   * `GET /fhir/Questionnaire?subject=Patient/<id>` — those assigned to the patient (patient: own id), written
   * to the patient's access log before it is shown; who may ask is the policy table's `forms` read (a clinician:
   * patients of their care teams only).
   */
  @Get()
  // The route's policy is the catalogue's (no patient's data); `subject` narrows it to a patient's assignments, which
  // the handler authorises as that patient's `forms` read (the access matrix tests the catalogue per role).
  @Access('definitions', 'read')
  async search(@Query() query: Record<string, string | string[]>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    assertKnownParams(query, SEARCH_PARAMETERS, preferHandling(headers['prefer'] as string | undefined));
    for (const name of SEARCH_PARAMETERS) oneParam(query, name);
    const { subject, url, version, status, name } = query as Record<string, string | undefined>;
    const found = await this.catalogue.search({ url, version, status, name });
    const bundle = (entries: readonly QuestionnaireEntry[]) =>
      searchset(fhirBaseOf(request), entries.map(questionnaireResource), entries.length, [{ relation: 'self', query: `Questionnaire?${linkQuery(query, SEARCH_PARAMETERS)}` }]);
    if (subject === undefined) return bundle(found);
    const match = SUBJECT.exec(subject);
    if (!match) throw ValidationError.field('subject', 'expected "Patient/<internal patient id (UUID)>"');
    await this.enrolments.authorise(principal, 'forms', 'read', match[1]!);
    const assigned = new Set((await this.assignments.list(match[1]!)).map((a) => `${a.questionnaireUrl}|${a.questionnaireVersion}`));
    await this.accessLog.recordReads('forms', [match[1]!], { purpose: 'questionnaire-assignments', resource: `Questionnaire?subject=${subject}` }, commandMetadataFrom(principal, headers));
    return bundle(found.filter((e) => assigned.has(`${e.resource.url}|${e.resource.version}`)));
  }

  /** `GET /fhir/Questionnaire/:id` — e.g. `cat`, `phq-9`, or an authored draft; with `ETag` and `Last-Modified`. */
  @Get(':id')
  @Access('definitions', 'read')
  async get(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    return fhirVersionHeaders(reply, questionnaireResource(await this.catalogue.get(checkedId(id)).catch(formsPaths.rethrow)));
  }

  /**
   * `GET /fhir/Questionnaire/:id/$populate?subject=Patient/<id>` (SDC) — an in-progress response with what Varde
   * knows filled in (latest linked measurement, the previous answer), each answer marked pre-filled with its source.
   */
  @Get(':id/$populate')
  @Access('forms', 'read', { patient: { query: 'subject' } })
  async populate(@Param('id') id: string, @Query('subject') subject: string | undefined, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const match = SUBJECT.exec(subject ?? '');
    if (!match) throw ValidationError.field('subject', 'required: "Patient/<internal patient id (UUID)>"');
    const patientId = match[1]!;
    const entry = await this.catalogue.get(checkedId(id)).catch(formsPaths.rethrow);
    await this.enrolments.authorise(principal, 'forms', 'read', patientId);
    await this.accessLog.recordReads('forms', [patientId], { purpose: 'questionnaire-prefill', resource: `Questionnaire/${id}/$populate?subject=${subject}` }, commandMetadataFrom(principal, headers));
    const facts = await this.facts.facts(patientId);
    const last = facts.responses[entry.resource.url!];
    const previous = last ? await this.responses.history(last.responseId) : undefined;
    const latest = previous?.[previous.length - 1];
    return populateResponse(entry.resource, { patientId, facts, now: new Date(), ...(latest ? { previous: questionnaireResponseResource(latest, previous!.length) } : {}) });
  }

  /** `POST /fhir/Questionnaire` — a new draft, checked; `201` with `Location`, `ETag`, `Last-Modified`; the body follows `Prefer: return=`. */
  @Post()
  @Access('definitions', 'write')
  @HttpCode(201)
  async create(@Body() raw: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const metadata = commandMetadataFrom(principal, headers);
    const id = deterministicId(`questionnaire:${metadata.commandId}`);
    const questionnaire = body(raw);
    this.r4.assertValid(questionnaire);
    return fhirWritten(request, reply, questionnaireResource(await this.author.saveDraft(id, questionnaire, !headers['idempotency-key'], metadata).catch(formsPaths.rethrow)));
  }

  /**
   * `PUT /fhir/Questionnaire/:id` — creates or replaces a draft; a published version is immutable (409). With
   * `If-Match: W/"<version>"`, a questionnaire at another version is a `412` and nothing is written.
   */
  @Put(':id')
  @Access('definitions', 'write')
  async update(@Param('id') id: string, @Body() raw: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    const expected = ifMatchVersion(headers['if-match']);
    const questionnaire = body(raw);
    this.r4.assertValid(questionnaire);
    if (questionnaire.id !== undefined && questionnaire.id !== id) throw ValidationError.field('Questionnaire.id', `expected "${id}", the id in the URL`);
    try {
      return fhirWritten(request, reply, questionnaireResource(await this.author.saveDraft(checkedId(id), questionnaire, false, commandMetadataFrom(principal, headers), expected)));
    } catch (error) {
      if (expected === undefined || !(error instanceof ConcurrencyError)) throw formsPaths.refusal(error);
      throw staleVersion(`Questionnaire/${id}`, await this.catalogue.get(id).then((e) => e.versionId, () => undefined), expected);
    }
  }

  /** `POST /fhir/Questionnaire/:id/$publish` — the draft becomes active and immutable as url|version. */
  @Post(':id/$publish')
  @Access('definitions', 'write')
  @HttpCode(200)
  async publish(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    return fhirWritten(request, reply, questionnaireResource(await this.author.publish(checkedId(id), commandMetadataFrom(principal, headers)).catch(formsPaths.rethrow)));
  }

  /** `POST /fhir/Questionnaire/:id/$retire` — no longer answerable or assignable; old responses stay readable. */
  @Post(':id/$retire')
  @Access('definitions', 'write')
  @HttpCode(200)
  async retire(@Param('id') id: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    return fhirWritten(request, reply, questionnaireResource(await this.author.retire(checkedId(id), commandMetadataFrom(principal, headers)).catch(formsPaths.rethrow)));
  }
}
