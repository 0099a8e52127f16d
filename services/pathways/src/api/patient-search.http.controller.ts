import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { checkNationalId, maskNationalId } from '@varde/core';
import { parseBody } from '@varde/fhir';
import { AccessLog, AccessPolicy, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { z } from 'zod';
import { EnrolmentQuery, type EnrolmentView } from '../application/enrolment.query';
import { PatientIdentityRepository } from '../application/patient-identities.port';
import { enrolmentOfNationalId, enrolmentQuestion } from './patient-read';

const SearchRequest = z
  .object({
    nationalId: z
      .string({ required_error: 'required: the 11-digit national identity number', invalid_type_error: 'expected a string of 11 digits' })
      .superRefine((value, ctx) => {
        const check = checkNationalId(value);
        if (!check.valid) ctx.addIssue({ code: z.ZodIssueCode.custom, message: check.reason });
      }),
  })
  .strict();

/** A patient found by national id, as the clinician's search shows them: the number masked. */
export type PatientSearchMatch = Readonly<Pick<EnrolmentView, 'patientId' | 'pathwayId' | 'status' | 'careTeamId'> & { nationalIdMasked: string }>;

/**
 * Finds a patient by national identity number for the clinician's worklist search. The number goes in the body, so
 * it is never in a URL, a proxy's log or the browser's history.
 */
@Controller('api/enrolments/search')
export class PatientSearchHttpController {
  constructor(
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * `200 {matches: [{patientId, nationalIdMasked, pathwayId, status, careTeamId}]}`: the enrolled patient with that
   * number when the caller may see them (a clinician: on one of their care teams; an auditor: any), otherwise no
   * match — the same answer for a number never enrolled and one on another team, so a search tells no one where a
   * person is followed up. A match is written to the patient's access log before it is shown.
   */
  @Post()
  @HttpCode(200)
  @Roles('clinician', 'auditor')
  @Access('enrolments', 'read')
  async search(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<{ matches: PatientSearchMatch[] }> {
    const { nationalId } = parseBody(SearchRequest, body);
    const view = await enrolmentOfNationalId(nationalId, this.identities, this.enrolments);
    if (!view) return { matches: [] };
    // A blocked clinician finds no match either (AccessPolicy.permitForListing).
    const decision = await this.policy.permitForListing(principal, enrolmentQuestion(view.patientId, 'read', view));
    if (!decision) return { matches: [] };
    await this.accessLog.recordReads('pathways', [view.patientId], { purpose: 'patient-search', resource: `enrolments/${view.patientId}`, reason: decision.reason }, commandMetadataFrom(principal, headers));
    return { matches: [{ patientId: view.patientId, nationalIdMasked: maskNationalId(nationalId), pathwayId: view.pathwayId, status: view.status, careTeamId: view.careTeamId }] };
  }
}
