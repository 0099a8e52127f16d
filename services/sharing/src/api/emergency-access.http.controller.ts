import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { Access, assertAccess, CurrentPrincipal, EMERGENCY_ACCESS, type Principal } from '@varde/auth';
import { ForbiddenError, ValidationError } from '@varde/core';
import { parseBody } from '@varde/fhir';
import { commandMetadataFrom, EnrolmentDirectory, type MetadataHeaders } from '@varde/platform';
import { z } from '@varde/config';
import { EmergencyAccessReport } from '../application/emergency-access-report';
import { OpenEmergencyAccessHandler } from '../application/open-emergency-access.handler';
import type { EmergencyAccessGrant } from '../domain/emergency-access.events';
import { isPatientId } from './record-access.request';
import { parseLimit } from './access-log.http.controller';

/** Default length of an emergency access, in minutes. */
export const DEFAULT_EMERGENCY_MINUTES = 60;

const openRequest = z.object({
  reason: z
    .string({ required_error: 'required: why the patient must be opened now (e.g. "acute dyspnoea at the emergency department, the patient cannot answer")', invalid_type_error: 'expected text' })
    .trim()
    .min(10, 'give the clinical reason in at least 10 characters: it is shown to the patient and reported to the care team'),
  minutes: z.number().int().min(1).max(EMERGENCY_ACCESS.maxMinutes, `at most ${EMERGENCY_ACCESS.maxMinutes} minutes`).default(DEFAULT_EMERGENCY_MINUTES),
});

const view = (g: EmergencyAccessGrant) => ({
  grantId: g.grantId,
  patientId: g.patientId,
  actor: g.actor,
  reason: g.reason,
  openedAt: g.openedAt,
  expiresAt: g.expiresAt,
  ...(g.careTeamId ? { careTeamId: g.careTeamId } : {}),
  // The patient's blocks naming the clinician that it overrode: the care team sees that the patient had shut them out.
  ...(g.overridesBlocks ? { overridesBlocks: g.overridesBlocks.map((id) => `Consent/${id}`) } : {}),
});

/**
 * Emergency access (akuttilgang): a clinician outside the patient's care team, or one the patient has blocked,
 * opens the patient's data with a required reason for a limited time. Reads under it are marked apart in the
 * patient's access log (which the patient sees) and the access is reported to the patient's care team.
 */
@Controller('api')
export class EmergencyAccessHttpController {
  constructor(
    @Inject(OpenEmergencyAccessHandler) private readonly open: OpenEmergencyAccessHandler,
    @Inject(EmergencyAccessReport) private readonly report: EmergencyAccessReport,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
  ) {}

  /** `POST /api/patients/{patientId}/emergency-access` `{reason, minutes?}` → 201 `{grantId, expiresAt, …}`. */
  @Post('patients/:patientId/emergency-access')
  @Access('emergency-access', 'write', { patient: { param: 'patientId' } })
  @HttpCode(201)
  async openAccess(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    if (!isPatientId(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
    const request = parseBody(openRequest, body ?? {});
    // The table alone decides who may open one (sharing's EnrolmentDirectory asks no policy decision point): a block does not stop it.
    const careTeamId = (await this.enrolments.authorise(principal, 'emergency-access', 'write', patientId)).enrolment?.careTeamId || undefined;
    const metadata = commandMetadataFrom(principal, headers);
    const grant = await this.open.handle(
      { grantId: randomUUID(), patientId, actor: metadata.actor, reason: request.reason, minutes: request.minutes, ...(principal.hprNumber ? { hprNumber: principal.hprNumber } : {}), ...(careTeamId ? { careTeamId } : {}) },
      metadata,
    );
    return view(grant);
  }

  /**
   * `GET /api/care-teams/{careTeamId}/emergency-accesses?limit=` — the emergency accesses to the team's patients,
   * newest first, without the patients who have blocked the reader; each patient shown is logged.
   */
  @Get('care-teams/:careTeamId/emergency-accesses')
  @Access('emergency-access', 'read', { patient: 'none' })
  async ofCareTeam(@Param('careTeamId') careTeamId: string, @Query('limit') limit: string | undefined, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    assertAccess(principal, { category: 'emergency-access', action: 'read' });
    if (principal.role === 'clinician' && !principal.careTeams.includes(careTeamId)) throw new ForbiddenError(`you are not on care team ${careTeamId}; you see the emergency accesses to your own teams' patients (${principal.careTeams.join(', ') || 'none'})`);
    return { careTeamId, emergencyAccesses: (await this.report.ofCareTeam(principal, careTeamId, parseLimit(limit), headers)).map(view) };
  }
}
