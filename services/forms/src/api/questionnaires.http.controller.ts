import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { assertMayActOnPatient, assertRole, CurrentPrincipal, type Principal } from '@varde/auth';
import { NotFoundError, ValidationError } from '@varde/core';
import { AssignmentsQuery } from '../application/assignments.query';
import { QUESTIONNAIRES, questionnaireByCanonical, type QuestionnaireVersion } from '../domain/questionnaire-catalogue';
import { questionnaireBundle, questionnaireResource } from './forms.resources';

const SUBJECT = /^Patient\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** FHIR Questionnaire: the published questionnaires, and those assigned to a patient. */
@Controller('fhir/Questionnaire')
export class QuestionnairesHttpController {
  constructor(@Inject(AssignmentsQuery) private readonly assignments: AssignmentsQuery) {}

  /**
   * `GET /fhir/Questionnaire` — searchset of every published questionnaire.
   * `GET /fhir/Questionnaire?subject=Patient/<id>` — only those assigned to the patient (patient: own id).
   */
  @Get()
  async search(@Query('subject') subject: string | undefined, @CurrentPrincipal() principal: Principal) {
    if (subject === undefined) return questionnaireBundle(Object.values(QUESTIONNAIRES), '');
    const match = SUBJECT.exec(subject);
    if (!match) throw ValidationError.field('subject', 'expected "Patient/<internal patient id (UUID)>"');
    assertRole(principal, 'patient', 'guardian', 'clinician', 'auditor');
    assertMayActOnPatient(principal, match[1]!);
    const assigned = (await this.assignments.list(match[1]!))
      .map((a) => questionnaireByCanonical(`${a.questionnaireUrl}|${a.questionnaireVersion}`))
      .filter((q): q is QuestionnaireVersion => q !== undefined);
    return questionnaireBundle(assigned, '');
  }

  /** `GET /fhir/Questionnaire/:id` — the published questionnaire, e.g. `cat`. */
  @Get(':id')
  get(@Param('id') id: string) {
    const questionnaire = QUESTIONNAIRES[id];
    if (!questionnaire || !Object.hasOwn(QUESTIONNAIRES, id)) throw new NotFoundError(`Questionnaire/${id} does not exist; published: ${Object.keys(QUESTIONNAIRES).join(', ')}`);
    return questionnaireResource(questionnaire);
  }
}
