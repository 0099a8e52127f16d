import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { Access, accessRefusal, assertAccess, assertMayActForCareTeam, CARE_TEAM_ID, CurrentPrincipal, type AccessDecision, type Principal, Roles } from '@varde/auth';
import { AccessLog, AccessPolicy, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { EnrolPatientHandler } from '../application/enrol-patient.handler';
import { EnrolmentQuery } from '../application/enrolment.query';
import { PatientIdentityRepository } from '../application/patient-identities.port';
import { parseBody } from '@varde/fhir';
import { parsePatientId, pathwayField, pathwayReference, personNameField, versionField } from './enrolment-request.fields';
import { enrolmentQuestion } from './patient-read';

const EnrolRequest = z
  .object({
    patient: z.object(
      { nationalId: z.string({ required_error: 'required: the 11-digit national identity number', invalid_type_error: 'expected a string of 11 digits' }), name: personNameField.optional() },
      { required_error: 'required: {"nationalId": "<11 digits>"}' },
    ),
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
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
  ) {}

  /**
   * The patient's `name` (family and given names, optional) is kept sealed beside the national id, never in an event;
   * given again, it replaces the one kept. `201 {patientId, enrolmentId, careTeam, admission}` for a new enrolment (a readmission after a discharge counts up
   * `admission`), `200` with the same shape when it already existed. `careTeam` defaults to the pathway's default
   * team; a clinician may enrol only into one of their own teams (403), and the policy decides for the person (403 for
   * a patient of another team or one who blocked them, naming neither). `409` for a person enrolled on another pathway
   * of the same team, or (for a system) with another team, naming neither.
   */
  @Post()
  @Roles('clinician', 'system')
  @Access('enrolments', 'write', { patient: 'body' })
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = parseBody(EnrolRequest, body);
    const metadata = commandMetadataFrom(principal, headers);
    let permit: AccessDecision | undefined;
    const result = await this.enrol.handle(
      {
        nationalId: request.patient.nationalId,
        ...(request.patient.name === undefined ? {} : { name: request.patient.name }),
        pathway: pathwayReference(request),
        ...(request.careTeam === undefined ? {} : { careTeamId: request.careTeam }),
      },
      metadata,
      async (careTeamId, knownPatientId) => (permit = await this.authoriseEnrolment(principal, careTeamId, knownPatientId)),
    );
    if (!result.created) {
      // The existing enrolment is shown (who the national id is): a read of the patient's data, logged first with the permit's reason.
      await this.accessLog.recordReads('pathways', [result.patientId], { purpose: 'enrolment', resource: `enrolments/${result.patientId}`, ...(permit ? { reason: permit.reason } : {}) }, metadata);
      void reply.status(200);
    }
    return { patientId: result.patientId, enrolmentId: result.enrolmentId, careTeam: result.careTeamId, admission: result.admission };
  }

  /**
   * A clinician enrols only into one of their own teams (the team they asked for, named in the 403). Then the policy
   * decides for the person (sharing's CheckAccess for clinicians: blocks, care team): a person Varde knows is asked
   * about with the team of their enrolment in force (another team's patient: 403, the same text as for anyone not
   * theirs), or the team they would join when none is in force (a readmission); a person never seen has no consents
   * or emergency accesses yet, so the policy table decides alone, with the team they would join.
   */
  private async authoriseEnrolment(principal: Principal, careTeamId: string, knownPatientId: string | undefined): Promise<AccessDecision> {
    assertMayActForCareTeam(principal, careTeamId);
    if (knownPatientId === undefined) return assertAccess(principal, { category: 'enrolments', action: 'write', patient: { id: 'new-person', careTeamId } });
    const latest = await this.enrolments.latest(knownPatientId);
    const inForce = latest !== undefined && latest.status !== 'discharged' ? latest : undefined;
    const question = { category: 'enrolments', action: 'write', patient: { id: knownPatientId, careTeamId: inForce?.careTeamId ?? careTeamId } } as const;
    const decision = await this.policy.decideWithTeam(principal, question);
    // Named by national id: the refusal does not tell the caller the person's internal id.
    if (decision.decision !== 'permit') throw accessRefusal(principal, question, decision, 'this person');
    return decision;
  }

  /**
   * The patient's enrolment (active, paused or discharged), its rule set and care team, and the patient's name when
   * one was given at enrolment (a clinician: patients of their own teams only), written to the patient's access log
   * before it is shown. `ETag` is the version to send
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
    const name = (await this.identities.namesOf([patientId])).get(patientId);
    return name ? { ...view, name } : view;
  }
}
