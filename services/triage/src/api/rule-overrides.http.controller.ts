import { Body, Controller, Delete, Get, Headers, Inject, Param, Put } from '@nestjs/common';
import { Access, CurrentPrincipal, type AccessAction, type AccessDecision, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { parseBody } from '@varde/fhir';
import { AccessLog, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { z } from 'zod';
import { PatientDataReader } from '../application/patient-data.reader';
import { TriageHandler, type TriageOutcome } from '../application/triage.handler';
import { currentOutcome } from '../domain/triage.events';
import { parseId } from './query-params';

const reason = z.string().trim().min(1, 'required: the clinical reason').max(2000);
const setBody = z.object({ parameter: z.enum(['threshold', 'amount', 'count']).default('threshold'), value: z.number({ invalid_type_error: 'expected a number' }), reason }).strict();
const removeBody = z.object({ reason }).strict();
const RULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A patient's own values for rule parameters (e.g. an SpO2 threshold from their baseline), set by a clinician
 * with a reason. Each change is a new version of the patient's overrides and re-assesses the patient at once.
 */
@Controller('api/patients/:patientId/triage/overrides')
export class RuleOverridesHttpController {
  constructor(
    @Inject(TriageHandler) private readonly triage: TriageHandler,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(PatientDataReader) private readonly reader: PatientDataReader,
  ) {}

  /** `200 {version, overrides: [...]}`. */
  @Get()
  @Roles('clinician', 'auditor')
  @Access('triage', 'read', { patient: { param: 'patientId' } })
  async list(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const { reason } = await this.check(patientId, principal, 'read');
    const state = await this.triage.stateOf(patientId);
    await this.accessLog.recordReads('triage', [patientId], { purpose: 'triage-overrides', resource: `triage/${patientId}/overrides`, reason }, commandMetadataFrom(principal, headers));
    return { patientId, version: state.overrides.version, overrides: Object.values(state.overrides.entries) };
  }

  /** `200` the overrides and the patient's outcome after re-assessment; 400 naming the field for an impossible value, unknown rule or missing reason. */
  @Put(':ruleId')
  @Roles('clinician')
  @Access('triage', 'write', { patient: { param: 'patientId' } })
  async set(@Param('patientId') patientId: string, @Param('ruleId') ruleId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    await this.check(patientId, principal, 'write', ruleId);
    const { parameter, value, reason: why } = parseBody(setBody, body ?? {});
    const metadata = commandMetadataFrom(principal, headers);
    return this.answer(await this.triage.setOverride(patientId, { ruleId, parameter, value, reason: why }, metadata));
  }

  /** `200` the overrides after removing the rule's, with the patient's outcome; `{reason}` is required. */
  @Delete(':ruleId')
  @Roles('clinician')
  @Access('triage', 'write', { patient: { param: 'patientId' } })
  async remove(@Param('patientId') patientId: string, @Param('ruleId') ruleId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    await this.check(patientId, principal, 'write', ruleId);
    const { reason: why } = parseBody(removeBody, body ?? {});
    const metadata = commandMetadataFrom(principal, headers);
    return this.answer(await this.triage.removeOverride(patientId, ruleId, why, metadata));
  }

  private async check(patientId: string, principal: Principal, action: AccessAction, ruleId?: string): Promise<AccessDecision> {
    parseId('patientId', patientId, 'an internal patient id');
    if (ruleId !== undefined && !RULE_ID.test(ruleId)) throw ValidationError.field('ruleId', "expected a rule id of the patient's rule set");
    return this.reader.authorise(principal, patientId, action);
  }

  private answer(outcome: TriageOutcome) {
    const current = currentOutcome(outcome.state);
    return { patientId: outcome.patientId, version: outcome.state.overrides.version, overrides: Object.values(outcome.state.overrides.entries), colour: current?.colour ?? 'green', reasons: current?.reasons.map((r) => r.text) ?? [] };
  }
}
