import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { NotFoundError, ValidationError } from '@varde/core';
import { AccessLog, commandMetadataFrom, EnrolmentDirectory, type MetadataHeaders } from '@varde/platform';
import { AssignmentsQuery } from '../application/assignments.query';
import { QUESTIONNAIRES, questionnaireByCanonical, type QuestionnaireVersion } from '../domain/questionnaire-catalogue';
import { questionnaireBundle, questionnaireResource } from './forms.resources';

const SUBJECT = /^Patient\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** FHIR Questionnaire: the published questionnaires, and those assigned to a patient. */
@Controller('fhir/Questionnaire')
export class QuestionnairesHttpController {
  constructor(
    @Inject(AssignmentsQuery) private readonly assignments: AssignmentsQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
  ) {}

  /**
   * `GET /fhir/Questionnaire` — searchset of every published questionnaire.
   * `GET /fhir/Questionnaire?subject=Patient/<id>` — only those assigned to the patient (patient: own id), written
   * to the patient's access log before it is shown; who may ask is the policy table's `forms` read (a clinician:
   * patients of their care teams only).
   */
  @Get()
  @Access('definitions', 'read', { patient: { query: 'subject' } })
  async search(@Query('subject') subject: string | undefined, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    if (subject === undefined) return questionnaireBundle(Object.values(QUESTIONNAIRES), '');
    const match = SUBJECT.exec(subject);
    if (!match) throw ValidationError.field('subject', 'expected "Patient/<internal patient id (UUID)>"');
    await this.enrolments.authorise(principal, 'forms', 'read', match[1]!);
    const assigned = (await this.assignments.list(match[1]!))
      .map((a) => questionnaireByCanonical(`${a.questionnaireUrl}|${a.questionnaireVersion}`))
      .filter((q): q is QuestionnaireVersion => q !== undefined);
    await this.accessLog.recordReads('forms', [match[1]!], { purpose: 'questionnaire-assignments', resource: `Questionnaire?subject=${subject}` }, commandMetadataFrom(principal, headers));
    return questionnaireBundle(assigned, '');
  }

  /** `GET /fhir/Questionnaire/:id` — the published questionnaire, e.g. `cat`. */
  @Get(':id')
  @Access('definitions', 'read')
  get(@Param('id') id: string) {
    const questionnaire = QUESTIONNAIRES[id];
    if (!questionnaire || !Object.hasOwn(QUESTIONNAIRES, id)) throw new NotFoundError(`Questionnaire/${id} does not exist; published: ${Object.keys(QUESTIONNAIRES).join(', ')}`);
    return questionnaireResource(questionnaire);
  }
}
