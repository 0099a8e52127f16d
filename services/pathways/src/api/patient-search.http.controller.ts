import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { Access, careTeamsShownTo, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { checkNationalId, maskNationalId } from '@varde/core';
import { parseBody } from '@varde/fhir';
import { AccessLog, AccessPolicy, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { z } from 'zod';
import { EnrolmentQuery, type EnrolmentView } from '../application/enrolment.query';
import { PatientIdentityRepository, type NamedPatient, type PersonName } from '../application/patient-identities.port';
import { patientsNamed } from '../application/patient-name-search';
import { PATIENT_ID } from './enrolment-request.fields';
import { enrolmentOfNationalId, enrolmentQuestion, listablePatients } from './patient-read';

/** Most patients a search by name answers: a clinician narrows the search rather than pages through it. */
const MAX_NAME_MATCHES = 20;
/** Most patients one names request asks about: two pages of the worklist. */
const MAX_NAMED_PATIENTS = 100;

const NamesRequest = z
  .object({
    patientIds: z
      .array(z.string({ invalid_type_error: 'expected an internal patient id (UUID)' }).regex(PATIENT_ID, 'expected an internal patient id (UUID)'), {
        required_error: 'required: the patient ids, e.g. ["<uuid>"]',
        invalid_type_error: 'expected a list of patient ids',
      })
      .min(1, 'expected at least one patient id')
      .max(MAX_NAMED_PATIENTS, `expected at most ${MAX_NAMED_PATIENTS} patient ids`),
  })
  .strict();

const SearchRequest = z
  .object({
    nationalId: z
      .string({ invalid_type_error: 'expected a string of 11 digits' })
      .superRefine((value, ctx) => {
        const check = checkNationalId(value);
        if (!check.valid) ctx.addIssue({ code: z.ZodIssueCode.custom, message: check.reason });
      })
      .optional(),
    name: z
      .string({ invalid_type_error: 'expected a name (or part of one) as a string' })
      .transform((text) => text.trim().replace(/\s+/g, ' '))
      .pipe(
        z
          .string()
          .min(2, 'expected at least 2 letters of a given or family name')
          .max(100, 'expected at most 100 characters of a name')
          .regex(/^[^\p{C}\d]*$/u, 'expected letters of a name: digits are a national id (send them as nationalId)'),
      )
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.nationalId === undefined && body.name === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['nationalId'], message: 'required: the 11-digit national identity number, or a name to search for' });
    if (body.nationalId !== undefined && body.name !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['name'], message: 'expected a name or a national id, not both' });
  });

/** A patient found by national id or name, as the clinician's search shows them: the number masked. */
export type PatientSearchMatch = Readonly<
  Pick<EnrolmentView, 'patientId' | 'pathwayId' | 'status' | 'careTeamId'> & { nationalIdMasked?: string; name?: PersonName }
>;

const matchOf = (view: EnrolmentView, nationalId: string | undefined, name: PersonName | undefined): PatientSearchMatch => ({
  patientId: view.patientId,
  ...(nationalId === undefined ? {} : { nationalIdMasked: maskNationalId(nationalId) }),
  ...(name === undefined ? {} : { name }),
  pathwayId: view.pathwayId,
  status: view.status,
  careTeamId: view.careTeamId,
});

/**
 * Finds patients by national identity number or by name for the clinician's worklist search, and reads the names of
 * the patients a worklist page shows. Numbers and names go in the body, so they are never in a URL, a proxy's log or
 * the browser's history.
 */
@Controller('api/enrolments')
export class PatientSearchHttpController {
  constructor(
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * `200 {matches: [{patientId, nationalIdMasked, name?, pathwayId, status, careTeamId}]}`: by `nationalId`, the
   * enrolled patient with that number; by `name`, up to 20 patients whose given or family names hold every word
   * searched for (case and accents ignored), by family name. Only patients the caller may see (a clinician: on one of
   * their care teams; an auditor: any), otherwise no match — the same answer for a person never enrolled and one on
   * another team, so a search tells no one where a person is followed up. Every match is written to the patient's
   * access log before it is shown.
   */
  @Post('search')
  @HttpCode(200)
  @Roles('clinician', 'auditor')
  @Access('enrolments', 'read')
  async search(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<{ matches: PatientSearchMatch[] }> {
    const request = parseBody(SearchRequest, body);
    return request.nationalId === undefined ? this.byName(request.name!, principal, headers) : this.byNationalId(request.nationalId, principal, headers);
  }

  /**
   * `200 {names: [{patientId, name: {family, given}}]}` for up to 100 patient ids: the name of each patient the caller
   * may see (a clinician: on one of their care teams; an auditor: any) who was enrolled with one. Others are left out
   * alike — another team's patient, one never enrolled, one enrolled without a name. Each name is written to the
   * patient's access log before it is shown.
   */
  @Post('names')
  @HttpCode(200)
  @Roles('clinician', 'auditor')
  @Access('enrolments', 'read')
  async names(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<{ names: NamedPatient[] }> {
    const { patientIds } = parseBody(NamesRequest, body);
    const kept = await this.identities.namesOf([...new Set(patientIds)]);
    const listed = await listablePatients([...kept.keys()], principal, { enrolments: this.enrolments, policy: this.policy });
    const names = [...kept].filter(([id]) => listed.has(id)).map(([patientId, name]) => ({ patientId, name }));
    const reasons = new Map(names.map(({ patientId }) => [patientId, listed.get(patientId)!.permit.reason]));
    await this.accessLog.recordReads('pathways', [...reasons.keys()], { purpose: 'patient-name', resource: 'enrolments/names', reasons }, commandMetadataFrom(principal, headers));
    return { names };
  }

  private async byNationalId(nationalId: string, principal: Principal, headers: MetadataHeaders): Promise<{ matches: PatientSearchMatch[] }> {
    const view = await enrolmentOfNationalId(nationalId, this.identities, this.enrolments);
    if (!view) return { matches: [] };
    // A blocked clinician finds no match either (AccessPolicy.permitForListing).
    const decision = await this.policy.permitForListing(principal, enrolmentQuestion(view.patientId, 'read', view));
    if (!decision) return { matches: [] };
    await this.accessLog.recordReads('pathways', [view.patientId], { purpose: 'patient-search', resource: `enrolments/${view.patientId}`, reason: decision.reason }, commandMetadataFrom(principal, headers));
    const name = (await this.identities.namesOf([view.patientId])).get(view.patientId);
    return { matches: [matchOf(view, nationalId, name)] };
  }

  private async byName(query: string, principal: Principal, headers: MetadataHeaders): Promise<{ matches: PatientSearchMatch[] }> {
    // Only the caller's own teams' names are unsealed; each candidate is then decided on its enrolment as it stands.
    const named = patientsNamed(await this.identities.namesInCareTeams(careTeamsShownTo(principal)), query);
    const listed = await listablePatients(named.slice(0, MAX_NAME_MATCHES * 2).map((p) => p.patientId), principal, { enrolments: this.enrolments, policy: this.policy });
    const shown = named.filter((p) => listed.has(p.patientId)).slice(0, MAX_NAME_MATCHES);
    if (shown.length === 0) return { matches: [] };
    const reasons = new Map(shown.map((p) => [p.patientId, listed.get(p.patientId)!.permit.reason]));
    await this.accessLog.recordReads('pathways', [...reasons.keys()], { purpose: 'patient-search', resource: 'enrolments/search', reasons }, commandMetadataFrom(principal, headers));
    const nationalIds = await Promise.all(shown.map((p) => this.identities.nationalIdOf(p.patientId)));
    return { matches: shown.map((p, i) => matchOf(listed.get(p.patientId)!.enrolment, nationalIds[i], p.name)) };
  }
}
