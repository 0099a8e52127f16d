import { Body, Controller, Delete, Headers, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { parseBody } from '@varde/fhir';
import { AccessLog, AccessPolicy, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { EnrolmentQuery } from '../application/enrolment.query';
import { PatientIdentityRepository, type NamedPatient } from '../application/patient-identities.port';
import { parsePatientId, personNameField } from './enrolment-request.fields';
import { enrolmentQuestion } from './patient-read';

/**
 * The care team corrects a patient's name (a misspelling, a new family name) or erases it (at the patient's request:
 * the patient is then shown by number). The name is kept beside the national id, never in an event, so both take
 * effect everywhere at once and leave nothing behind but the access-log entry that says who did it, when and why.
 */
@Controller('api/enrolments/:patientId/name')
export class PatientNameHttpController {
  constructor(
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * `{family, given?}` (as at enrolment): `200 {patientId, name}`; keeps a name for a patient enrolled without one.
   * Only a clinician on the patient's care team (403 otherwise, the same for a patient never enrolled); written to the
   * patient's access log before it is kept.
   */
  @Put()
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(200)
  async correct(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<NamedPatient> {
    const { careTeamId, reason } = await this.authorise(patientId, principal);
    // Read once the caller may change the name: another team's clinician gets the same 403 whatever they send.
    const name = parseBody(personNameField, body);
    await this.accessLog.recordReads('pathways', [patientId], { purpose: 'patient-name-correction', resource: `enrolments/${patientId}/name`, reason }, commandMetadataFrom(principal, headers));
    await this.identities.correctName(patientId, name, careTeamId);
    return { patientId, name };
  }

  /** `204`: the name is erased (also when none was kept); the same care-team rule and access-log entry as a correction. */
  @Delete()
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(204)
  async erase(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<void> {
    const { reason } = await this.authorise(patientId, principal);
    await this.accessLog.recordReads('pathways', [patientId], { purpose: 'patient-name-erasure', resource: `enrolments/${patientId}/name`, reason }, commandMetadataFrom(principal, headers));
    await this.identities.eraseName(patientId);
  }

  /** The policy on the patient's latest enrolment (blocks, care team; ADR 0019); its care team is the one the name is kept under. */
  private async authorise(patientId: string, principal: Principal): Promise<{ careTeamId: string; reason: string }> {
    parsePatientId(patientId);
    const enrolment = await this.enrolments.latest(patientId);
    const { reason } = await this.policy.authoriseWithTeam(principal, enrolmentQuestion(patientId, 'write', enrolment));
    // A permit names a care team the patient is on, so a patient never enrolled has been refused above.
    return { careTeamId: enrolment!.careTeamId, reason };
  }
}
