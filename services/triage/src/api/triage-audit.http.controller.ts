import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { parseBody } from '@varde/fhir';
import { AccessLog, auditReasonOf, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { z } from 'zod';
import { AssessmentVerifier } from '../application/assessment-verifier';
import { PatientDataReader } from '../application/patient-data.reader';
import { TriageHandler } from '../application/triage.handler';
import { WhatIfService } from '../application/what-if.service';
import { discloseWhatIf } from '../application/what-if.disclosure';
import type { PatientTriaged } from '../domain/triage.events';
import { parseId } from './query-params';
import { ruleSetText } from './rule-sets.http.controller';

const ASSESSMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.\d{1,4})?$/;
const instant = z.string().datetime({ offset: true, message: 'expected an ISO 8601 date-time, e.g. 2026-08-01T00:00:00Z' });
const whatIfBody = z
  .object({
    pathwayId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a pathway id, e.g. copd'),
    candidate: z.union([z.string().min(1), z.record(z.unknown())], { errorMap: () => ({ message: 'required: the candidate rule set, as YAML/JSON text or a JSON object' }) }),
    from: instant,
    to: instant,
    baselineVersion: z.number().int().min(1).optional(),
  })
  .strict();

/** What an auditor and a pathway designer ask of triage's decisions: the history, a verification, a what-if. */
@Controller()
export class TriageAuditHttpController {
  constructor(
    @Inject(TriageHandler) private readonly triage: TriageHandler,
    @Inject(AssessmentVerifier) private readonly verifier: AssessmentVerifier,
    @Inject(WhatIfService) private readonly whatIf: WhatIfService,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(PatientDataReader) private readonly reader: PatientDataReader,
  ) {}

  /**
   * `200 {decisions: [...]}`: every PatientTriaged of the patient, oldest first, with reasons and provenance. An
   * auditor states why in the `Audit-Reason` header (400 without it), which the access log keeps with the read.
   */
  @Get('api/patients/:patientId/triage/history')
  @Roles('clinician', 'auditor')
  @Access('triage', 'read', { patient: { param: 'patientId' } })
  async history(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    parseId('patientId', patientId, 'an internal patient id');
    const stated = auditReasonOf(principal.role, headers);
    const { reason } = await this.reader.authorise(principal, patientId);
    const decisions = (await this.triage.history(patientId)).filter((e): e is typeof e & PatientTriaged => e.type === 'PatientTriaged').map((e) => e.data);
    await this.accessLog.recordReads('triage', [patientId], { purpose: 'triage-history', resource: `triage/${patientId}/history`, reason: stated ?? reason }, commandMetadataFrom(principal, headers));
    return { patientId, decisions };
  }

  /**
   * `200` the verification: the decision re-run from its recorded inputs and rule set version, and whether it matches.
   * An auditor states why in the `Audit-Reason` header, as for the history.
   */
  @Post('api/patients/:patientId/triage/assessments/:assessmentId/verify')
  @HttpCode(200)
  @Roles('auditor', 'clinician')
  @Access('triage', 'read', { patient: { param: 'patientId' } })
  async verify(@Param('patientId') patientId: string, @Param('assessmentId') assessmentId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    parseId('patientId', patientId, 'an internal patient id');
    if (!ASSESSMENT_ID.test(assessmentId)) throw ValidationError.field('assessmentId', 'expected an assessment id from the patient\'s triage history');
    const stated = auditReasonOf(principal.role, headers);
    const { reason } = await this.reader.authorise(principal, patientId);
    return this.verifier.verify(patientId, assessmentId, commandMetadataFrom(principal, headers), stated ?? reason);
  }

  /** `200` the what-if report: the candidate against the published rule set over the period; nothing is written. */
  @Post('api/triage/what-if')
  @HttpCode(200)
  @Roles('pathway-designer', 'clinician', 'auditor')
  @Access('definitions', 'read')
  async runWhatIf(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const request = parseBody(whatIfBody, body ?? {});
    const report = await this.whatIf.run(
      { pathwayId: request.pathwayId, candidate: ruleSetText(request.candidate, 'candidate'), from: new Date(request.from), to: new Date(request.to), baselineVersion: request.baselineVersion },
      commandMetadataFrom(principal, headers),
    );
    // Designers see aggregates only, clinicians their own teams' patients, auditors all (what-if.disclosure.ts).
    return discloseWhatIf(report, principal, (patientIds) => this.reader.readableAmong(principal, patientIds));
  }
}
